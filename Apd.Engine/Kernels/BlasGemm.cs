// Row-major GEMM for the kernels, generic over float/double: C ← alpha·op(A)·op(B) + beta·C,
// routed to BlasProvider.Current (float → Sgemm, double → Dgemm). On a thread that is already one of
// several batch workers (SerialOnThisThread), a multi-threaded managed provider is replaced by a
// single-threaded one, so the workers do not compete with the GEMM's own thread team for the cores.
using System.Numerics;
using System.Runtime.InteropServices;
using Apd.Engine.Blas;

namespace Apd.Engine.Kernels;

public static class BlasGemm
{
    [ThreadStatic]
    private static bool t_serial;

    private static readonly Lazy<ManagedBlas> SerialManaged = new(() => new ManagedBlas(1));

    /// <summary>True while this thread runs one share of a batch split across workers, or a small inference:
    /// GEMMs then run single-threaded and layers do not split the batch further.</summary>
    public static bool SerialOnThisThread
    {
        get => t_serial;
        set => t_serial = value;
    }

    private static IBlas Provider
    {
        get
        {
            IBlas current = BlasProvider.Current;
            return t_serial && current is ManagedBlas { Threads: > 1 } ? SerialManaged.Value : current;
        }
    }

    public static void Multiply<T>(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (typeof(T) == typeof(float))
        {
            Provider.Sgemm(transA, transB, m, n, k, float.CreateTruncating(alpha),
                MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb,
                float.CreateTruncating(beta), MemoryMarshal.Cast<T, float>(c), ldc);
        }
        else if (typeof(T) == typeof(double))
        {
            Provider.Dgemm(transA, transB, m, n, k, double.CreateTruncating(alpha),
                MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb,
                double.CreateTruncating(beta), MemoryMarshal.Cast<T, double>(c), ldc);
        }
        else
        {
            throw new NotSupportedException($"GEMM supports float and double, not {typeof(T).Name}.");
        }
    }
}
