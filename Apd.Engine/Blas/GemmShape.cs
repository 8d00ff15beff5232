// The GEMM shapes the engine actually runs, shared by `apd bench gemm` and the BenchmarkDotNet suite:
// the LeNet dense 3200→800 layer at batch 100 (forward NN, weight gradient TN, input gradient NT),
// convolutions lowered to GEMM (20 filters over 5×5×3 patches, 50 over 5×5×20), and a square reference.
namespace Apd.Engine.Blas;

public readonly record struct GemmShape(int M, int K, int N, Transpose TransA, Transpose TransB)
{
    public static readonly IReadOnlyList<GemmShape> Engine =
    [
        new(100, 3200, 800, Transpose.No, Transpose.No),
        new(3200, 100, 800, Transpose.Yes, Transpose.No),
        new(100, 800, 3200, Transpose.No, Transpose.Yes),
        new(1024, 1024, 1024, Transpose.No, Transpose.No),
        new(20, 75, 1024, Transpose.No, Transpose.No),
        new(50, 500, 256, Transpose.No, Transpose.No),
    ];

    public double Flops => 2.0 * M * K * N;

    /// <summary>Stored A is M×K (K×M when transposed), B is K×N (N×K); C is M×N. Leading dimensions are the stored row lengths.</summary>
    public int Lda => TransA == Transpose.No ? K : M;
    public int Ldb => TransB == Transpose.No ? N : K;

    public override string ToString() => $"{M}x{K}x{N} {(TransA == Transpose.No ? 'N' : 'T')}{(TransB == Transpose.No ? 'N' : 'T')}";
}
