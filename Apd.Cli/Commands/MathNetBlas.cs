// MathNet.Numerics' managed provider behind IBlas, for `apd bench gemm --providers mathnet` only.
// MathNet is column-major, so a row-major array is seen as its transpose and C = op(A)·op(B) is computed
// as Cᵀ = op(B)ᵀ·op(A)ᵀ. Benchmark adapter: alpha = 1, beta = 0, packed rows only; the copies in and out
// (O(mk + kn + mn)) are timed with it but are small beside its O(mnk) multiply.
using Apd.Engine.Blas;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Apd.Cli.Commands;

internal sealed class MathNetBlas : IBlas
{
    public MathNetBlas() => Control.UseManaged();

    public string Name => "mathnet";
    public string Describe() => $"mathnet: MathNet.Numerics {typeof(Control).Assembly.GetName().Version} managed provider, {Threads} thread(s)";

    public int Threads
    {
        get => Control.MaxDegreeOfParallelism;
        set => Control.MaxDegreeOfParallelism = value;
    }

    public void Sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (alpha != 1f || beta != 0f || lda != (transA == Transpose.No ? k : m) || ldb != (transB == Transpose.No ? n : k) || ldc != n)
            throw new NotSupportedException("The MathNet benchmark adapter supports alpha = 1, beta = 0 and unpadded rows only.");
        // Column-major views of the stored arrays: viewA = stored Aᵀ, viewB = stored Bᵀ; result n×m column-major = C row-major.
        var viewA = transA == Transpose.No ? Matrix<float>.Build.Dense(k, m, a.ToArray()) : Matrix<float>.Build.Dense(m, k, a.ToArray());
        var viewB = transB == Transpose.No ? Matrix<float>.Build.Dense(n, k, b.ToArray()) : Matrix<float>.Build.Dense(k, n, b.ToArray());
        var result = Matrix<float>.Build.Dense(n, m);
        switch (transB, transA)
        {
            case (Transpose.No, Transpose.No): viewB.Multiply(viewA, result); break;
            case (Transpose.Yes, Transpose.No): viewB.TransposeThisAndMultiply(viewA, result); break;
            case (Transpose.No, Transpose.Yes): viewB.TransposeAndMultiply(viewA, result); break;
            default: viewB.Transpose().TransposeAndMultiply(viewA, result); break;
        }
        result.AsColumnMajorArray().AsSpan(0, m * n).CopyTo(c);
    }

    public void Dgemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda,
        ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
        => throw new NotSupportedException("The MathNet benchmark adapter is single precision only.");
}
