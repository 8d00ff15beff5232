// One interface for every matrix-multiply provider (managed SIMD, native CBLAS, reference loops).
// Row-major: C (m×n) ← alpha·op(A)·op(B) + beta·C, op(A) is m×k, op(B) is k×n.
// Leading dimensions are the row strides of A, B and C as stored (before op).
namespace Apd.Engine.Blas;

public enum Transpose
{
    No,
    Yes,
}

public interface IBlas
{
    /// <summary>Short provider name: "managed", "openblas", "mkl", "reference".</summary>
    string Name { get; }

    /// <summary>Human-readable description: library path, version, kernel core, threads.</summary>
    string Describe();

    /// <summary>Threads used by this provider's GEMM (1 = single-threaded).</summary>
    int Threads { get; set; }

    void Sgemm(Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc);

    void Dgemm(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, int lda,
        ReadOnlySpan<double> b, int ldb,
        double beta, Span<double> c, int ldc);
}
