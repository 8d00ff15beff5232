// Unpacked GEMM for tiny shapes and for double precision: each row of C is built from vectorised
// row updates (C[i,:] += alpha·A[i,p]·B[p,:]) or dot products (B transposed) through TensorPrimitives.
// No packing and no threads, so it has no fixed cost; row-major, all four transposes, beta = 0 never reads C.
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Apd.Engine.Blas;

internal static class GemmDirect
{
    public static void Gemm<T>(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        bool ta = transA == Transpose.Yes, tb = transB == Transpose.Yes;
        T[]? rented = null;
        // A row i, gathered when A is stored transposed (its row is then a strided column).
        Span<T> aRow = ta || tb ? (rented = ArrayPool<T>.Shared.Rent(Math.Max(k, 1))).AsSpan(0, k) : default;
        try
        {
            for (int i = 0; i < m; i++)
            {
                Span<T> cRow = c.Slice(i * ldc, n);
                if (beta == T.Zero) cRow.Clear();
                else if (beta != T.One) TensorPrimitives.Multiply(cRow, beta, cRow);
                if (k == 0 || alpha == T.Zero) continue;

                ReadOnlySpan<T> ai = ta ? Gather(a, i, lda, aRow) : a.Slice(i * lda, k);
                if (!tb)
                {
                    for (int p = 0; p < k; p++)
                        TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), alpha * ai[p], cRow, cRow);
                }
                else
                {
                    if (alpha != T.One && !ta)
                    {
                        TensorPrimitives.Multiply(ai, alpha, aRow);
                        ai = aRow;
                    }
                    else if (alpha != T.One)
                    {
                        TensorPrimitives.Multiply(aRow, alpha, aRow);
                    }
                    for (int j = 0; j < n; j++)
                        cRow[j] += TensorPrimitives.Dot(ai, b.Slice(j * ldb, k));
                }
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<T>.Shared.Return(rented);
        }
    }

    private static ReadOnlySpan<T> Gather<T>(ReadOnlySpan<T> a, int column, int lda, Span<T> destination)
    {
        for (int p = 0; p < destination.Length; p++) destination[p] = a[p * lda + column];
        return destination;
    }
}
