// Unpacked GEMM for tiny shapes and for double precision: each row of C is built from vectorised
// row updates (C[i,:] += alpha·A[i,p]·B[p,:]) or dot products (B transposed) through TensorPrimitives,
// or, for the tiniest products and rows narrower than a vector, from plain scalar loops.
// No packing and no threads, so it has no fixed cost; row-major, all four transposes, beta = 0 never reads C.
using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Blas;

internal static class GemmDirect
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemm<T>(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        bool ta = transA == Transpose.Yes, tb = transB == Transpose.Yes;
        if ((long)m * n * k <= ScalarMaxWork || n < Vector<T>.Count)
        {
            Scalar(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
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

    /// <summary>
    /// Up to this many multiply-adds (or with rows narrower than a vector) plain scalar loops win: no call has a fixed
    /// cost. Kept small: each element is one chain of k dependent adds (8×8×8 at 512 ran at 0.12× OpenBLAS; at 4096,
    /// 2×1000×2 ran at 0.18× and 16×16×16 TT at 0.01×). ManagedBlas.SgemmChecked sends every larger float product to
    /// its SIMD paths when the CPU has them.
    /// </summary>
    internal const long ScalarMaxWork = 64;

    /// <summary>Every dimension 1–4 (so at most 64 multiply-adds): the products ManagedBlas.Sgemm computes inline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsTiny(int m, int n, int k) => (uint)((m - 1) | (n - 1) | (k - 1)) < 4u;

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C for <see cref="IsTiny"/> dimensions with A and B stored densely (leading
    /// dimension = stored row length) and long enough; C (m×n, leading dimension n) must already be checked by the
    /// caller. Returns false, touching nothing, when A or B is stored otherwise: the caller then takes the checked
    /// path, which also names a faulty argument. Meant to be inlined with constant <paramref name="ta"/> and
    /// <paramref name="tb"/>: the check is one branch, the strides fold to m, n, k, and the loops need few registers,
    /// so a 1×1×1 product costs less than a naive triple loop behind the same call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryTinyDense<T>(bool ta, bool tb, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(IsTiny(m, n, k) && m * n <= c.Length);
        if (!((lda == (ta ? m : k)) & (ldb == (tb ? k : n)) & (m * k <= a.Length) & (k * n <= b.Length)))
            return false;
        ref T a0 = ref MemoryMarshal.GetReference(a);
        ref T b0 = ref MemoryMarshal.GetReference(b);
        ref T cij = ref MemoryMarshal.GetReference(c);
        for (int i = 0; i < m; i++)
        {
            ref T ai = ref Unsafe.Add(ref a0, ta ? i : i * k);   // A(i, 0)
            ref T bj = ref b0;                                     // B(0, j)
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                    sum += Unsafe.Add(ref ai, ta ? p * m : p) * Unsafe.Add(ref bj, tb ? p : p * n);
                T product = alpha == T.Zero ? T.Zero : alpha * sum; // alpha = 0: A and B are not referenced
                cij = beta == T.Zero ? product : product + beta * cij;
                cij = ref Unsafe.Add(ref cij, 1);
                bj = ref Unsafe.Add(ref bj, tb ? k : 1);
            }
        }
        return true;
    }

    /// <summary>
    /// <see cref="TryTinyDense{T}"/> for A and B untransposed with four columns (1–4 rows, K 1–4): each row of C is one
    /// Vector128, the sum of K products of a broadcast of A's value and B's row, added in the order of the scalar loop
    /// (zero, then p = 0, 1, …; multiply and add not fused), so the result is bit for bit that of the scalar loop.
    /// Called from ManagedBlas.SgemmChecked, so the 1×1×1 product inlined into Sgemm keeps its code (4×4×4 took ≈ 28 ns by
    /// the scalar loop).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static bool TryTinyDenseFourColumns(int m, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c)
    {
        Debug.Assert(IsTiny(m, 4, k) && m * 4 <= c.Length);
        if (!((lda == k) & (ldb == 4) & (m * k <= a.Length) & (k * 4 <= b.Length)))
            return false;
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);
        var row0 = Vector128.LoadUnsafe(ref b0);
        var row1 = k > 1 ? Vector128.LoadUnsafe(ref b0, 4) : default;
        var row2 = k > 2 ? Vector128.LoadUnsafe(ref b0, 8) : default;
        var row3 = k > 3 ? Vector128.LoadUnsafe(ref b0, 12) : default;
        var va = Vector128.Create(alpha);
        var vb = Vector128.Create(beta);
        for (int i = 0; i < m; i++)
        {
            ref float ai = ref Unsafe.Add(ref a0, i * k);
            var sum = Vector128<float>.Zero + Vector128.Create(ai) * row0;
            if (k > 1) sum += Vector128.Create(Unsafe.Add(ref ai, 1)) * row1;
            if (k > 2) sum += Vector128.Create(Unsafe.Add(ref ai, 2)) * row2;
            if (k > 3) sum += Vector128.Create(Unsafe.Add(ref ai, 3)) * row3;
            ref float ci = ref Unsafe.Add(ref c0, i * 4);
            var product = alpha == 0f ? Vector128<float>.Zero : va * sum; // alpha = 0: A and B are not referenced
            (beta == 0f ? product : product + vb * Vector128.LoadUnsafe(ref ci)).StoreUnsafe(ref ci);
        }
        return true;
    }

    // C[i,j] = alpha·Σ_p A(i,p)·B(p,j) + beta·C[i,j] with the transposes folded into strides. Inlined into
    // ManagedBlas.SgemmChecked (products up to 64 multiply-adds that are not tiny and dense) and into Gemm above.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Scalar<T>(bool ta, bool tb, int m, int n, int k,
        T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint aRow = ta ? 1 : lda, aCol = ta ? lda : 1;
        nint bRow = tb ? 1 : ldb, bCol = tb ? ldb : 1;
        ref T a0 = ref MemoryMarshal.GetReference(a);
        ref T b0 = ref MemoryMarshal.GetReference(b);
        ref T c0 = ref MemoryMarshal.GetReference(c);
        for (int i = 0; i < m; i++)
        {
            ref T ai = ref Unsafe.Add(ref a0, i * aRow);
            ref T ci = ref Unsafe.Add(ref c0, (nint)i * ldc);
            for (int j = 0; j < n; j++)
            {
                ref T bj = ref Unsafe.Add(ref b0, j * bCol);
                // Two partial sums walked by reference (no index products): a long dot product (1×64×1) is bound
                // by neither the chain of dependent adds nor the address arithmetic.
                T sum = T.Zero, odd = T.Zero;
                ref T ap = ref ai, bp = ref bj;
                int p = 0;
                for (; p <= k - 2; p += 2)
                {
                    sum += ap * bp;
                    odd += Unsafe.Add(ref ap, aCol) * Unsafe.Add(ref bp, bRow);
                    ap = ref Unsafe.Add(ref ap, 2 * aCol);
                    bp = ref Unsafe.Add(ref bp, 2 * bRow);
                }
                if (p < k) sum += ap * bp;
                sum += odd;
                ref T cij = ref Unsafe.Add(ref ci, j);
                T product = alpha == T.Zero ? T.Zero : alpha * sum; // alpha = 0: A and B are not referenced
                cij = beta == T.Zero ? product : product + beta * cij;
            }
        }
    }

    private static ReadOnlySpan<T> Gather<T>(ReadOnlySpan<T> a, int column, int lda, Span<T> destination)
    {
        for (int p = 0; p < destination.Length; p++) destination[p] = a[p * lda + column];
        return destination;
    }
}
