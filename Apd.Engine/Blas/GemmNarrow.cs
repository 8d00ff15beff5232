// SGEMM with a narrow C (2 ≤ n < NR/2 columns; Takes): the packed kernel would pad every panel of B to NR
// columns and do mostly wasted multiply-adds (10×1000×10 ran at 15 GFLOP/s). Three forms, by storage:
//   A stored transposed: blocks of 16 rows × 8 columns of C straight from A's rows (Tall);
//   A and B untransposed, 8–16 columns: each row of C from broadcasts of A against B's rows (Broadcast);
//   otherwise (and the last m mod 16 rows of Tall): dot products of op(A)'s rows with op(B)'s columns, both
//   made contiguous along k, four columns per load of A (Rows, Dot4).
// Rows of C are shared between the threads.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Apd.Engine.Blas;

internal static unsafe class GemmNarrow
{
    /// <summary>
    /// Whether this path takes the product: C narrower than a quarter of a micro-kernel panel, or narrower than
    /// half a panel with few rows (packing would cost more than the 12×16 kernel saves) or A stored transposed.
    /// </summary>
    public static bool Takes(int m, int n, bool transA)
        => n >= 2 && (n < SgemmPacked.NR / 4 || n < SgemmPacked.NR / 2 && (transA || m < 48));

    /// <summary>C = alpha·op(A)·op(B) + beta·C. Caller has validated, handled m, n, k = 0 and alpha = 0, and pinned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc, GemmThreadTeam? team)
    {
        float[]? bCopy = null, aCopy = null;
        try
        {
            // A stored transposed: its rows hold 16 rows of C side by side, so blocks of 16 rows are computed
            // from A in place (Tall); only the last m mod 16 rows are copied out as rows of length k.
            int tall = transA && Vector512.IsHardwareAccelerated ? m / 16 * 16 : 0;
            if (tall > 0)
            {
                Tall(transB, tall, n, k, alpha, a, lda, b, ldb, beta, c, ldc, team);
                if (tall == m) return;
                a += tall;
                c += tall * ldc;
                m -= tall;
            }
            // Neither stored transposed, 8 to 16 columns: rows of C from broadcasts of A against B's rows read in
            // place (one masked load per row of B), no copy of either. Fewer columns would leave most of each
            // vector empty while A is read one value at a time (1000×1000×2: 2.1× OpenBLAS by dot products, 1.05 so).
            if (!transA && !transB && n >= 8 && n <= 16 && Avx512F.IsSupported)
            {
                int parts = team is null ? 1 : Math.Min(team.Size, (m + 7) / 8);
                if (parts == 1) Broadcast(0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                else
                    team!.Run(parts, (part, _) =>
                    {
                        int blocks = (m + 7) / 8;
                        int i0 = Math.Min(m, blocks * part / parts * 8), i1 = Math.Min(m, blocks * (part + 1) / parts * 8);
                        Broadcast(i0, i1, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                    });
                return;
            }
            // Columns of op(B) as rows of length k: B stored transposed already holds them (stride ldb).
            if (!transB)
            {
                bCopy = ArrayPool<float>.Shared.Rent(n * k);
                fixed (float* dst = bCopy) CopyColumns(b, ldb, k, n, dst);
            }
            // Rows of op(A) of length k: A stored transposed is copied out row by row of its storage.
            if (transA)
            {
                aCopy = ArrayPool<float>.Shared.Rent(m * k);
                fixed (float* dst = aCopy) CopyColumns(a, lda, k, m, dst);
            }
            fixed (float* bc = bCopy)
            fixed (float* ac = aCopy)
            {
                float* bt = bCopy is null ? b : bc;
                nint ldbt = bCopy is null ? ldb : k;
                float* at = aCopy is null ? a : ac;
                nint ldat = aCopy is null ? lda : k;
                int parts = team?.Size ?? 1;
                if (parts == 1) Rows(0, m, n, k, alpha, at, ldat, bt, ldbt, beta, c, ldc);
                else
                    team!.Run(parts, (part, _) =>
                    {
                        int i0 = (int)((long)m * part / parts), i1 = (int)((long)m * (part + 1) / parts);
                        Rows(i0, i1, n, k, alpha, at, ldat, bt, ldbt, beta, c, ldc);
                    });
            }
        }
        finally
        {
            if (bCopy is not null) ArrayPool<float>.Shared.Return(bCopy);
            if (aCopy is not null) ArrayPool<float>.Shared.Return(aCopy);
        }
    }

    // Blocks of 16 rows of C with A stored transposed (k×m): per k one load of A's 16 values and a broadcast of
    // each of eight values of op(B)'s row, eight accumulators (one per column of C). op(B) is first copied
    // into groups of eight columns, k-major and zero-padded, so a block needs no edge cases. m is a multiple of 16.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tall(bool transB, int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc, GemmThreadTeam? team)
    {
        int groups = (n + 7) / 8;
        float[] padded = ArrayPool<float>.Shared.Rent(groups * k * 8);
        try
        {
            fixed (float* bp = padded)
            {
                if (!transB && Avx512F.VL.IsSupported)
                {
                    // Row p of B holds op(B)'s row p: each group's eight values in one masked load (zeros past n).
                    for (int g = 0; g < groups; g++)
                    {
                        var mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(n - g * 8)).AsSingle();
                        float* src = b + g * 8;
                        float* d = bp + (nint)g * k * 8;
                        for (int p = 0; p < k; p++, src += ldb, d += 8)
                            Avx512F.VL.MaskLoad(src, mask, Vector256<float>.Zero).Store(d);
                    }
                }
                else
                {
                    new Span<float>(bp, groups * k * 8).Clear();
                    for (int col = 0; col < n; col++)
                    {
                    // Column col of op(B) goes to slot col mod 8 of group col / 8.
                        float* d = bp + (nint)(col >> 3) * k * 8 + (col & 7);
                        float* src = transB ? b + col * ldb : b + col;
                        nint step = transB ? 1 : ldb;
                        for (int p = 0; p < k; p++, d += 8, src += step) *d = *src;
                    }
                }
                float* bpv = bp;
                int blocks = m / 16;
                int parts = team is null ? 1 : Math.Min(team.Size, blocks);
                if (parts == 1) TallBlocks(0, blocks, n, groups, k, alpha, a, lda, bpv, beta, c, ldc);
                else
                    team!.Run(parts, (part, _) =>
                        TallBlocks(blocks * part / parts, blocks * (part + 1) / parts, n, groups, k, alpha, a, lda, bpv, beta, c, ldc));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TallBlocks(int block0, int block1, int n, int groups, int k, float alpha, float* a, nint lda, float* bp,
        float beta, float* c, nint ldc)
    {
        float* t = stackalloc float[16 * 8];
        for (int blk = block0; blk < block1; blk++)
        {
            int i = blk * 16;
            for (int g = 0; g < groups; g++)
            {
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
                float* bg = bp + (nint)g * k * 8;
                float* ap = a + i;
                for (int p = 0; p < k; p++)
                {
                    var av = Vector512.Load(ap);
                    s0 = Vector512.FusedMultiplyAdd(av, Vector512.Create(bg[0]), s0);
                    s1 = Vector512.FusedMultiplyAdd(av, Vector512.Create(bg[1]), s1);
                    s2 = Vector512.FusedMultiplyAdd(av, Vector512.Create(bg[2]), s2);
                    s3 = Vector512.FusedMultiplyAdd(av, Vector512.Create(bg[3]), s3);
                    s4 = Vector512.FusedMultiplyAdd(av, Vector512.Create(bg[4]), s4);
                    s5 = Vector512.FusedMultiplyAdd(av, Vector512.Create(bg[5]), s5);
                    s6 = Vector512.FusedMultiplyAdd(av, Vector512.Create(bg[6]), s6);
                    s7 = Vector512.FusedMultiplyAdd(av, Vector512.Create(bg[7]), s7);
                    ap += lda;
                    bg += 8;
                }
                // t[j·16 + r] = C[i + r, g·8 + j]
                s0.Store(t); s1.Store(t + 16); s2.Store(t + 32); s3.Store(t + 48);
                s4.Store(t + 64); s5.Store(t + 80); s6.Store(t + 96); s7.Store(t + 112);
                int cols = Math.Min(8, n - g * 8);
                for (int r = 0; r < 16; r++)
                {
                    float* cr = c + (i + r) * ldc + g * 8;
                    for (int j = 0; j < cols; j++) Store(cr + j, alpha * t[j * 16 + r], beta);
                }
            }
        }
    }

    // Rows [i0, i1) of C = alpha·A·B + beta·C with A (m×k) and B (k×n, n ≤ 16) untransposed: eight rows at a time,
    // one accumulator per row holding all n columns; per k one masked load of B's row and eight broadcasts of A.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Broadcast(int i0, int i1, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc)
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        int i = i0;
        for (; i + 8 <= i1; i += 8)
        {
            float* r0 = a + i * lda, r4 = r0 + 4 * lda;
            nint l2 = 2 * lda, l3 = 3 * lda;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
            float* bp = b;
            for (int p = 0; p < k; p++, bp += ldb)
            {
                var bv = Avx512F.MaskLoad(bp, mask, Vector512<float>.Zero);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[p]), bv, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[lda + p]), bv, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[l2 + p]), bv, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[l3 + p]), bv, s3);
                s4 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[p]), bv, s4);
                s5 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[lda + p]), bv, s5);
                s6 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[l2 + p]), bv, s6);
                s7 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[l3 + p]), bv, s7);
            }
            float* ci = c + i * ldc;
            StoreRow(ci, s0, va, vb, beta, mask);
            StoreRow(ci + ldc, s1, va, vb, beta, mask);
            StoreRow(ci + 2 * ldc, s2, va, vb, beta, mask);
            StoreRow(ci + 3 * ldc, s3, va, vb, beta, mask);
            StoreRow(ci + 4 * ldc, s4, va, vb, beta, mask);
            StoreRow(ci + 5 * ldc, s5, va, vb, beta, mask);
            StoreRow(ci + 6 * ldc, s6, va, vb, beta, mask);
            StoreRow(ci + 7 * ldc, s7, va, vb, beta, mask);
        }
        for (; i + 4 <= i1; i += 4)
        {
            float* r0 = a + i * lda;
            nint l2 = 2 * lda, l3 = 3 * lda;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* bp = b;
            for (int p = 0; p < k; p++, bp += ldb)
            {
                var bv = Avx512F.MaskLoad(bp, mask, Vector512<float>.Zero);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[p]), bv, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[lda + p]), bv, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[l2 + p]), bv, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[l3 + p]), bv, s3);
            }
            float* ci = c + i * ldc;
            StoreRow(ci, s0, va, vb, beta, mask);
            StoreRow(ci + ldc, s1, va, vb, beta, mask);
            StoreRow(ci + 2 * ldc, s2, va, vb, beta, mask);
            StoreRow(ci + 3 * ldc, s3, va, vb, beta, mask);
        }
        for (; i < i1; i++)
        {
            float* ai = a + i * lda;
            Vector512<float> s0 = default, s1 = default;
            float* bp = b;
            int p = 0;
            for (; p + 2 <= k; p += 2, bp += 2 * ldb)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Create(ai[p]), Avx512F.MaskLoad(bp, mask, Vector512<float>.Zero), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Create(ai[p + 1]), Avx512F.MaskLoad(bp + ldb, mask, Vector512<float>.Zero), s1);
            }
            if (p < k) s0 = Vector512.FusedMultiplyAdd(Vector512.Create(ai[p]), Avx512F.MaskLoad(bp, mask, Vector512<float>.Zero), s0);
            StoreRow(c + i * ldc, s0 + s1, va, vb, beta, mask);
        }
    }

    // C's row ← alpha·s + beta·C's row, in the masked columns; beta = 0 never reads C.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* ci, Vector512<float> s, Vector512<float> va, Vector512<float> vb, float beta, Vector512<float> mask)
    {
        var v = s * va;
        if (beta != 0f) v = Vector512.FusedMultiplyAdd(vb, Avx512F.MaskLoad(ci, mask, Vector512<float>.Zero), v);
        Avx512F.MaskStore(ci, mask, v);
    }

    // dst[j·rows + r] = src[r·ld + j] for j < cols: the columns of a rows×cols block as rows. With 8 or more
    // columns the SIMD transpose; with fewer, one strided pass per column (the transpose would fall back to
    // its scalar loop with a multiply per element).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyColumns(float* src, nint ld, int rows, int cols, float* dst)
    {
        if (cols >= 8)
        {
            SgemmPacked.Transpose(src, ld, rows, cols, 1f, dst, rows);
            return;
        }
        for (int j = 0; j < cols; j++)
        {
            float* s = src + j;
            float* d = dst + (nint)j * rows;
            int r = 0;
            for (; r + 4 <= rows; r += 4, s += 4 * ld)
            {
                d[r] = s[0];
                d[r + 1] = s[ld];
                d[r + 2] = s[2 * ld];
                d[r + 3] = s[3 * ld];
            }
            for (; r < rows; r++, s += ld) d[r] = *s;
        }
    }

    // Rows [i0, i1) of C. a: rows of op(A) (stride lda), bt: columns of op(B) as rows (stride ldbt).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(int i0, int i1, int n, int k, float alpha, float* a, nint lda, float* bt, nint ldbt,
        float beta, float* c, nint ldc)
    {
        for (int i = i0; i < i1; i++)
        {
            float* ai = a + i * lda;
            float* ci = c + i * ldc;
            int j = 0;
            if (Avx.IsSupported && Vector256.IsHardwareAccelerated)
            {
                for (; j + 4 <= n; j += 4)
                {
                    var d = Dot4(ai, bt + j * ldbt, ldbt, k);
                    Store(ci + j, alpha * d[0], beta);
                    Store(ci + j + 1, alpha * d[1], beta);
                    Store(ci + j + 2, alpha * d[2], beta);
                    Store(ci + j + 3, alpha * d[3], beta);
                }
            }
            for (; j < n; j++) Store(ci + j, alpha * Dot(ai, bt + j * ldbt, k), beta);
        }
    }

    // a·b over k. Written here rather than TensorPrimitives.Dot: that generic method is tiered like any other, and
    // was seen running its unoptimised first tier for a whole benchmark (1000×1000×2 at 3 GFLOP/s).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(float* a, float* b, int k)
    {
        int p = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && k >= 32)
        {
            Vector512<float> s0 = default, s1 = default;
            for (; p + 32 <= k; p += 32)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + p), Vector512.Load(b + p), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + p + 16), Vector512.Load(b + p + 16), s1);
            }
            sum = Vector512.Sum(s0 + s1);
        }
        if (Vector256.IsHardwareAccelerated && k - p >= 8)
        {
            Vector256<float> s0 = default;
            for (; p + 8 <= k; p += 8) s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + p), Vector256.Load(b + p), s0);
            sum += Vector256.Sum(s0);
        }
        for (; p < k; p++) sum += a[p] * b[p];
        return sum;
    }

    // [a·b0, a·b1, a·b2, a·b3] over k, b_j = b + j·ldb; each chunk of a is loaded once for the four (also Sgemv's
    // four rows against one vector). Needs AVX.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Dot4(float* a, float* b, nint ldb, int k)
    {
        float* b0 = b, b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        int p = 0;
        Vector256<float> s0, s1, s2, s3;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> w0 = default, w1 = default, w2 = default, w3 = default;
            for (; p + 16 <= k; p += 16)
            {
                var av = Vector512.Load(a + p);
                w0 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b0 + p), w0);
                w1 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b1 + p), w1);
                w2 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b2 + p), w2);
                w3 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b3 + p), w3);
            }
            s0 = w0.GetLower() + w0.GetUpper();
            s1 = w1.GetLower() + w1.GetUpper();
            s2 = w2.GetLower() + w2.GetUpper();
            s3 = w3.GetLower() + w3.GetUpper();
        }
        else
        {
            s0 = s1 = s2 = s3 = default;
        }
        for (; p + 8 <= k; p += 8)
        {
            var av = Vector256.Load(a + p);
            s0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b0 + p), s0);
            s1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b1 + p), s1);
            s2 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b2 + p), s2);
            s3 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b3 + p), s3);
        }
        var h = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
        var sums = h.GetLower() + h.GetUpper();
        if (p < k)
        {
            float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
            for (; p < k; p++)
            {
                float av = a[p];
                t0 += av * b0[p];
                t1 += av * b1[p];
                t2 += av * b2[p];
                t3 += av * b3[p];
            }
            sums += Vector128.Create(t0, t1, t2, t3);
        }
        return sums;
    }

    // *ci ← value + beta·*ci; beta = 0 never reads C (shared with Sgemv).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(float* ci, float value, float beta) => *ci = beta == 0f ? value : value + beta * *ci;
}
