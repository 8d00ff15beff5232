// IBlas over the naive loops of GemmReference: slow, obviously correct.
using Apd.Engine.Kernels.Reference;

namespace Apd.Engine.Blas;

public sealed class ReferenceBlas : IBlas
{
    public string Name => "reference";
    public string Describe() => "reference: naive triple loop (test oracle)";
    public int Threads { get => 1; set { } }

    public void Sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => GemmReference.Gemm(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public void Dgemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda,
        ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
        => GemmReference.Gemm(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
