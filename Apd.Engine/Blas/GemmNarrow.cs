// SGEMM with a narrow C (2 ≤ n < NR/2 columns; Takes): the packed kernel would pad every panel of B to NR
// columns and do mostly wasted multiply-adds (10×1000×10 ran at 15 GFLOP/s). Forms, by storage:
//   A stored transposed: blocks of 16 rows × 8 columns of C straight from A's rows (Tall); fewer than 16 rows
//     (and the last m mod 16 rows of Tall) by outer products, one vector per column of C (Outer);
//   A and B untransposed, 2–8 columns: vectors of 2, 4 or 8 consecutive k per column against B packed the same
//     way (Interleaved); 8–16 columns: each row of C from broadcasts of A against B's rows (Broadcast);
//   A untransposed, B stored transposed: 4×4 blocks of dot products of rows read in place, folded (DotRows);
//   otherwise: dot products of op(A)'s rows with op(B)'s columns, both made contiguous along k, four columns per
//     load of A (Rows, Dot4).
// Also, for any width, C with fewer rows than a 12-row tile (ManagedBlas, one thread): blocks of 4 rows × 64 columns
// by broadcasts of op(A) against B's rows (FewRows), or with A untransposed and B transposed and at most 4 rows,
// DotRows. Small products with A and B untransposed (TakesSmall: ≤ 16 rows, 2–15 columns, K ≤ 16, ≤ 1024
// multiply-adds) come straight from ManagedBlas's argument check to Small: 1–3 rows of ≤ 8 columns by SmallRows, the
// rest by Broadcast.
// Rows of C (K for Outer) are shared between the threads.
using System.Buffers;
using System.Numerics;
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
    public static bool Takes(int m, int n, bool transA, bool transB)
        => n >= 2 && (n < SgemmPacked.NR / 4 || n < SgemmPacked.NR / 2 && (transA || m < 48 || !transB && Avx512F.IsSupported));

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
            // A stored transposed, fewer than 16 rows: its row p holds column p of op(A), so each p adds
            // op(A)[:, p] times op(B)[p, j] into column j of C, all rows in one vector (Outer); nothing is copied.
            if (transA && m < 16 && Avx512F.IsSupported)
            {
                Outer(transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, team);
                return;
            }
            // Neither stored transposed, 2 to 8 columns: each vector holds g = 2, 4 or 8 consecutive k of up to
            // 16/g columns, so every lane does work (Interleaved).
            if (!transA && !transB && n <= 8 && Avx512F.IsSupported)
            {
                Interleaved(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, team);
                return;
            }
            // Neither stored transposed, 8 to 16 columns: rows of C from broadcasts of A against B's rows read in
            // place (one masked load per row of B), no copy of either. Fewer columns would leave most of each
            // vector empty while A is read one value at a time (1000×1000×2: 2.1× OpenBLAS by dot products, 1.05 so).
            if (!transA && !transB && n >= 8 && n <= 16 && Avx512F.IsSupported)
            {
                int parts = team is null ? 1 : Math.Min(team.Size, (m + 7) / 8);
                if (parts == 1) Broadcast(0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                else BroadcastThreaded(team!, parts, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                return;
            }
            // A untransposed, B stored transposed: 4×4 blocks of dot products of rows read in place, the 16 sums
            // folded into one vector (DotRows). One row against four columns at a time (Rows) loaded A once per four
            // FMAs and reduced each sum on its own (2×1000×2 NT ran at 0.56× OpenBLAS, 16×200×7 NT at 0.48).
            if (!transA && transB && Avx512F.IsSupported)
            {
                int parts = team is null ? 1 : Math.Min(team.Size, (m + 3) / 4);
                if (parts == 1) DotRows(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                else DotRowsThreaded(team!, parts, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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
                else RowsThreaded(team!, parts, m, n, k, alpha, at, ldat, bt, ldbt, beta, c, ldc);
            }
        }
        finally
        {
            if (bCopy is not null) ArrayPool<float>.Shared.Return(bCopy);
            if (aCopy is not null) ArrayPool<float>.Shared.Return(aCopy);
        }
    }

    // The threaded forms: each lambda lives in its own method, so the single-threaded calls above allocate no closure
    // (one captured per call cost 120–176 bytes and tens of nanoseconds on every narrow product).
    private static void BroadcastThreaded(GemmThreadTeam team, int parts, int m, int n, int k, float alpha, float* a, nint lda,
        float* b, nint ldb, float beta, float* c, nint ldc)
        => team.Run(parts, (part, _) =>
        {
            int blocks = (m + 7) / 8;
            int i0 = Math.Min(m, blocks * part / parts * 8), i1 = Math.Min(m, blocks * (part + 1) / parts * 8);
            Broadcast(i0, i1, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        });

    private static void DotRowsThreaded(GemmThreadTeam team, int parts, int m, int n, int k, float alpha, float* a, nint lda,
        float* b, nint ldb, float beta, float* c, nint ldc)
        => team.Run(parts, (part, _) =>
        {
            int blocks = (m + 3) / 4;
            int i0 = Math.Min(m, blocks * part / parts * 4), i1 = Math.Min(m, blocks * (part + 1) / parts * 4);
            DotRows(i1 - i0, n, k, alpha, a + i0 * lda, lda, b, ldb, beta, c + i0 * ldc, ldc);
        });

    private static void RowsThreaded(GemmThreadTeam team, int parts, int m, int n, int k, float alpha, float* a, nint lda,
        float* bt, nint ldbt, float beta, float* c, nint ldc)
        => team.Run(parts, (part, _) =>
        {
            int i0 = (int)((long)m * part / parts), i1 = (int)((long)m * (part + 1) / parts);
            Rows(i0, i1, n, k, alpha, a, lda, bt, ldbt, beta, c, ldc);
        });

    private static void TallBlocksThreaded(GemmThreadTeam team, int parts, int blocks, int n, int groups, int k, float alpha,
        float* a, nint lda, float* bp, float beta, float* c, nint ldc)
        => team.Run(parts, (part, _) =>
            TallBlocks(blocks * part / parts, blocks * (part + 1) / parts, n, groups, k, alpha, a, lda, bp, beta, c, ldc));

    private static void OuterThreaded(GemmThreadTeam team, int parts, bool transB, int m, int n, int k, float* a, nint lda,
        float* b, nint ldb, float* tiles)
        => team.Run(parts, (part, _) =>
        {
            int p0 = (int)((long)k * part / parts), p1 = (int)((long)k * (part + 1) / parts);
            OuterRange(transB, m, n, p0, p1, a, lda, b, ldb, tiles + part * 256);
        });

    private static void InterleavedThreaded(GemmThreadTeam team, int parts, int blocks, int m, int n, int k, int g, float alpha,
        float* a, nint lda, float* bp, float beta, float* c, nint ldc)
        => team.Run(parts, (part, _) => InterleavedRows(Math.Min(m, blocks * part / parts * 12),
            Math.Min(m, blocks * (part + 1) / parts * 12), m, n, k, g, alpha, a, lda, bp, beta, c, ldc));

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
                else TallBlocksThreaded(team!, parts, blocks, n, groups, k, alpha, a, lda, bpv, beta, c, ldc);
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
                StoreTransposed(t, Math.Min(8, n - g * 8), 16, alpha, beta, c + i * ldc + g * 8, ldc);
            }
        }
    }

    // A stored transposed (k×m, m < 16): C (m×n) = alpha·Σ_p A[p, 0..m) ⊗ op(B)[p, 0..n) + beta·C. Column j of C is
    // one vector over the m rows; per p one masked load of A's row p and one broadcast of op(B)[p, j] per column.
    // Columns go eight at a time, each with two accumulators (even and odd p) so at least ten chains of FMAs are in
    // flight for five or more columns. A long K is split between the threads, each summing its range into its own
    // tile; the tiles are added when all are done.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Outer(bool transB, int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc, GemmThreadTeam? team)
    {
        // tile[j·16 + i] = Σ_p A[p, i]·op(B)[p, j]: n ≤ 16 columns of 16 rows.
        int parts = team is null ? 1 : Math.Min(team.Size, k / 256 + 1);
        float* tiles = stackalloc float[parts * 256];
        if (parts == 1)
        {
            OuterRange(transB, m, n, 0, k, a, lda, b, ldb, tiles);
        }
        else
        {
            OuterThreaded(team!, parts, transB, m, n, k, a, lda, b, ldb, tiles);
            for (int part = 1; part < parts; part++)
                for (int e = 0; e < 256; e += 16) (Vector512.Load(tiles + e) + Vector512.Load(tiles + part * 256 + e)).Store(tiles + e);
        }
        StoreTransposed(tiles, n, m, alpha, beta, c, ldc);
    }

    // C[r, j] ← alpha·t[j·16 + r] + beta·C[r, j] for r < rows, j < cols (both ≤ 16): the cols vectors of t loaded
    // whole and transposed in registers (unpacks of 32- and 64-bit elements, then two shuffles of 128-bit lanes),
    // each row of C stored through a mask. Reading t back one float at a time right after its vector stores cost
    // ≈ 2 ns an element (store-to-load forwarding fails): 15×15×15 TN took 550 ns.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreTransposed(float* t, int cols, int rows, float alpha, float beta, float* c, nint ldc)
    {
        var z = Vector512<float>.Zero;
        var v0 = Vector512.Load(t);
        var v1 = cols > 1 ? Vector512.Load(t + 16) : z; var v2 = cols > 2 ? Vector512.Load(t + 32) : z;
        var v3 = cols > 3 ? Vector512.Load(t + 48) : z; var v4 = cols > 4 ? Vector512.Load(t + 64) : z;
        var v5 = cols > 5 ? Vector512.Load(t + 80) : z; var v6 = cols > 6 ? Vector512.Load(t + 96) : z;
        var v7 = cols > 7 ? Vector512.Load(t + 112) : z; var v8 = cols > 8 ? Vector512.Load(t + 128) : z;
        var v9 = cols > 9 ? Vector512.Load(t + 144) : z; var v10 = cols > 10 ? Vector512.Load(t + 160) : z;
        var v11 = cols > 11 ? Vector512.Load(t + 176) : z; var v12 = cols > 12 ? Vector512.Load(t + 192) : z;
        var v13 = cols > 13 ? Vector512.Load(t + 208) : z; var v14 = cols > 14 ? Vector512.Load(t + 224) : z;
        var v15 = cols > 15 ? Vector512.Load(t + 240) : z;
        // u[4b + q], 128-bit lane L: row 4L + q of columns 4b … 4b + 3.
        Quad(v0, v1, v2, v3, out var u0, out var u1, out var u2, out var u3);
        Quad(v4, v5, v6, v7, out var u4, out var u5, out var u6, out var u7);
        Quad(v8, v9, v10, v11, out var u8, out var u9, out var u10, out var u11);
        Quad(v12, v13, v14, v15, out var u12, out var u13, out var u14, out var u15);
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols)).AsSingle();
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        Rows4(u0, u4, u8, u12, 0, rows, va, vb, beta, mask, c, ldc);
        Rows4(u1, u5, u9, u13, 1, rows, va, vb, beta, mask, c, ldc);
        Rows4(u2, u6, u10, u14, 2, rows, va, vb, beta, mask, c, ldc);
        Rows4(u3, u7, u11, u15, 3, rows, va, vb, beta, mask, c, ldc);
    }

    // Four columns (vectors over rows) to, in each 128-bit lane L, rows 4L, 4L + 1, 4L + 2, 4L + 3 of those columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3)
    {
        var ab0 = Avx512F.UnpackLow(a, b).AsDouble(); var ab1 = Avx512F.UnpackHigh(a, b).AsDouble();
        var cd0 = Avx512F.UnpackLow(c, d).AsDouble(); var cd1 = Avx512F.UnpackHigh(c, d).AsDouble();
        r0 = Avx512F.UnpackLow(ab0, cd0).AsSingle();
        r1 = Avx512F.UnpackHigh(ab0, cd0).AsSingle();
        r2 = Avx512F.UnpackLow(ab1, cd1).AsSingle();
        r3 = Avx512F.UnpackHigh(ab1, cd1).AsSingle();
    }

    // Rows q, 4 + q, 8 + q, 12 + q of C (those below rows) from the lanes of columns 0–3, 4–7, 8–11, 12–15.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4(Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, Vector512<float> w3, int q, int rows,
        Vector512<float> va, Vector512<float> vb, float beta, Vector512<float> mask, float* c, nint ldc)
    {
        var x0 = Avx512F.Shuffle4x128(w0, w1, 0x88);
        var x1 = Avx512F.Shuffle4x128(w0, w1, 0xDD);
        var y0 = Avx512F.Shuffle4x128(w2, w3, 0x88);
        var y1 = Avx512F.Shuffle4x128(w2, w3, 0xDD);
        if (q < rows) StoreRow(c + q * ldc, Avx512F.Shuffle4x128(x0, y0, 0x88), va, vb, beta, mask);
        if (q + 4 < rows) StoreRow(c + (q + 4) * ldc, Avx512F.Shuffle4x128(x1, y1, 0x88), va, vb, beta, mask);
        if (q + 8 < rows) StoreRow(c + (q + 8) * ldc, Avx512F.Shuffle4x128(x0, y0, 0xDD), va, vb, beta, mask);
        if (q + 12 < rows) StoreRow(c + (q + 12) * ldc, Avx512F.Shuffle4x128(x1, y1, 0xDD), va, vb, beta, mask);
    }

    // tile[j·16 + i] = Σ_{p0 ≤ p < p1} A[p, i]·op(B)[p, j] for all n columns, eight columns per pass over A.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterRange(bool transB, int m, int n, int p0, int p1, float* a, nint lda, float* b, nint ldb, float* tile)
    {
        var rowMask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(m)).AsSingle();
        // op(B)[p, j] at b + p·bStep + j·jStep.
        nint bStep = transB ? 1 : ldb, jStep = transB ? ldb : 1;
        for (int j0 = 0; j0 < n; j0 += 8)
        {
            float* bj = b + j0 * jStep;
            switch (Math.Min(8, n - j0))
            {
                case 8: OuterColumns<Eight>(p0, p1, a, lda, bj, bStep, jStep, rowMask, tile + j0 * 16); break;
                case 7: OuterColumns<Seven>(p0, p1, a, lda, bj, bStep, jStep, rowMask, tile + j0 * 16); break;
                case 6: OuterColumns<Six>(p0, p1, a, lda, bj, bStep, jStep, rowMask, tile + j0 * 16); break;
                case 5: OuterColumns<Five>(p0, p1, a, lda, bj, bStep, jStep, rowMask, tile + j0 * 16); break;
                case 4: OuterColumns<Four>(p0, p1, a, lda, bj, bStep, jStep, rowMask, tile + j0 * 16); break;
                case 3: OuterColumns<Three>(p0, p1, a, lda, bj, bStep, jStep, rowMask, tile + j0 * 16); break;
                case 2: OuterColumns<Two>(p0, p1, a, lda, bj, bStep, jStep, rowMask, tile + j0 * 16); break;
                default: OuterColumns<One>(p0, p1, a, lda, bj, bStep, jStep, rowMask, tile + j0 * 16); break;
            }
        }
    }

    private struct Seven : IRowCount { public static int Count => 7; }
    private struct Six : IRowCount { public static int Count => 6; }
    private struct Five : IRowCount { public static int Count => 5; }
    private struct Four : IRowCount { public static int Count => 4; }
    private struct Three : IRowCount { public static int Count => 3; }
    private struct Two : IRowCount { public static int Count => 2; }
    private struct One : IRowCount { public static int Count => 1; }

    // TCols.Count ≤ 8 columns of the tile (the columns beyond it compiled out).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterColumns<TCols>(int p0, int p1, float* a, nint lda, float* b, nint bStep, nint jStep,
        Vector512<float> rowMask, float* tile) where TCols : struct, IRowCount
    {
        int w = TCols.Count;
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default, e6 = default, e7 = default;
        Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default, o4 = default, o5 = default, o6 = default, o7 = default;
        nint j2 = 2 * jStep, j3 = 3 * jStep;
        float* ap = a + p0 * lda, b0 = b + p0 * bStep, b4 = b0 + 4 * jStep;
        int p = p0;
        for (; p + 2 <= p1; p += 2, ap += 2 * lda, b0 += 2 * bStep, b4 += 2 * bStep)
        {
            var x = Avx512F.MaskLoad(ap, rowMask, Vector512<float>.Zero);
            var y = Avx512F.MaskLoad(ap + lda, rowMask, Vector512<float>.Zero);
            float* c0 = b0 + bStep, c4 = b4 + bStep;
            e0 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b0[0]), e0);
            o0 = Vector512.FusedMultiplyAdd(y, Vector512.Create(c0[0]), o0);
            if (w > 1) { e1 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b0[jStep]), e1); o1 = Vector512.FusedMultiplyAdd(y, Vector512.Create(c0[jStep]), o1); }
            if (w > 2) { e2 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b0[j2]), e2); o2 = Vector512.FusedMultiplyAdd(y, Vector512.Create(c0[j2]), o2); }
            if (w > 3) { e3 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b0[j3]), e3); o3 = Vector512.FusedMultiplyAdd(y, Vector512.Create(c0[j3]), o3); }
            if (w > 4) { e4 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b4[0]), e4); o4 = Vector512.FusedMultiplyAdd(y, Vector512.Create(c4[0]), o4); }
            if (w > 5) { e5 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b4[jStep]), e5); o5 = Vector512.FusedMultiplyAdd(y, Vector512.Create(c4[jStep]), o5); }
            if (w > 6) { e6 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b4[j2]), e6); o6 = Vector512.FusedMultiplyAdd(y, Vector512.Create(c4[j2]), o6); }
            if (w > 7) { e7 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b4[j3]), e7); o7 = Vector512.FusedMultiplyAdd(y, Vector512.Create(c4[j3]), o7); }
        }
        if (p < p1)
        {
            var x = Avx512F.MaskLoad(ap, rowMask, Vector512<float>.Zero);
            e0 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b0[0]), e0);
            if (w > 1) e1 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b0[jStep]), e1);
            if (w > 2) e2 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b0[j2]), e2);
            if (w > 3) e3 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b0[j3]), e3);
            if (w > 4) e4 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b4[0]), e4);
            if (w > 5) e5 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b4[jStep]), e5);
            if (w > 6) e6 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b4[j2]), e6);
            if (w > 7) e7 = Vector512.FusedMultiplyAdd(x, Vector512.Create(b4[j3]), e7);
        }
        (e0 + o0).Store(tile);
        if (w > 1) (e1 + o1).Store(tile + 16);
        if (w > 2) (e2 + o2).Store(tile + 32);
        if (w > 3) (e3 + o3).Store(tile + 48);
        if (w > 4) (e4 + o4).Store(tile + 64);
        if (w > 5) (e5 + o5).Store(tile + 80);
        if (w > 6) (e6 + o6).Store(tile + 96);
        if (w > 7) (e7 + o7).Store(tile + 112);
    }

    /// <summary>Packed B of Interleaved up to this many floats lives on the stack (32 KiB).</summary>
    private const int InterleavedStackFloats = 8192;

    // A and B untransposed, 2 ≤ n ≤ 8: lane l of a vector is column l / g at k offset l mod g, with g = 2 (n ≤ 8),
    // 4 (n ≤ 4) or 8 (n ≤ 2) consecutive k per column. B is packed once into such vectors (group q: lane (j, s) =
    // B(q·g + s, j), zero for j ≥ n); a row of A then needs one broadcast of its g values at q·g per group (they are
    // adjacent in memory), and one FMA per group fills all 16 lanes, where one column per lane (Broadcast) would
    // leave 16 − n lanes idle. The g partial sums of each column are added at the end. The last k mod g values of
    // k are groups of their own with only lane s = 0 set, multiplied by one broadcast value of A.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Interleaved(int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc, GemmThreadTeam? team)
    {
        int g = n <= 2 ? 8 : n <= 4 ? 4 : 2;
        int full = k / g, groups = full + k % g;
        int floats = groups * 16;
        float[]? rented = floats > InterleavedStackFloats ? ArrayPool<float>.Shared.Rent(floats + 16) : null;
        float* onStack = stackalloc float[rented is null ? floats + 16 : 0];
        try
        {
            fixed (float* pooled = rented)
            {
                float* bp = (float*)(((nint)(rented is null ? onStack : pooled) + 63) & ~(nint)63);
                PackInterleaved(n, k, g, b, ldb, bp);
                int blocks = (m + 11) / 12;
                int parts = team is null ? 1 : Math.Min(team.Size, blocks);
                if (parts == 1) InterleavedRows(0, m, m, n, k, g, alpha, a, lda, bp, beta, c, ldc);
                else
                    InterleavedThreaded(team!, parts, blocks, m, n, k, g, alpha, a, lda, bp, beta, c, ldc);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    // dst[q·16 + j·g + s] = B(q·g + s, j) for the k / g full groups, then one group per leftover k with only s = 0.
    // The g rows of a group (n ≤ 16/g values each) are loaded side by side (lane s·16/g + j) and one permute puts
    // lane s·16/g + j at j·g + s.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackInterleaved(int n, int k, int g, float* b, nint ldb, float* dst)
    {
        int full = k / g;
        var lane = Vector512<int>.Indices;
        int shift = BitOperations.Log2((uint)g), width = 16 / g;
        var from = (lane & Vector512.Create(g - 1)) * width + Vector512.ShiftRightLogical(lane, shift);
        var mask8 = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(n)).AsSingle();
        var mask4 = Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(n)).AsSingle();
        int q = 0;
        if (ldb == width && n == width)
        {
            // B's rows are contiguous and exactly 16/g wide: a group is one load.
            for (; q < full; q++) Avx512F.PermuteVar16x32(Vector512.Load(b + q * 16), from).Store(dst + q * 16);
        }
        for (; q < full; q++)
        {
            float* src = b + (nint)q * g * ldb;
            Vector512<float> rows;
            if (g == 2)
            {
                rows = Vector512.Create(Avx512F.VL.MaskLoad(src, mask8, Vector256<float>.Zero), Avx512F.VL.MaskLoad(src + ldb, mask8, Vector256<float>.Zero));
            }
            else if (g == 4)
            {
                rows = Vector512.Create(
                    Vector256.Create(Avx512F.VL.MaskLoad(src, mask4, Vector128<float>.Zero), Avx512F.VL.MaskLoad(src + ldb, mask4, Vector128<float>.Zero)),
                    Vector256.Create(Avx512F.VL.MaskLoad(src + 2 * ldb, mask4, Vector128<float>.Zero), Avx512F.VL.MaskLoad(src + 3 * ldb, mask4, Vector128<float>.Zero)));
            }
            else
            {
                // n = 2: each row's two values as one 64-bit element.
                rows = Vector512.Create(*(long*)src, *(long*)(src + ldb), *(long*)(src + 2 * ldb), *(long*)(src + 3 * ldb),
                    *(long*)(src + 4 * ldb), *(long*)(src + 5 * ldb), *(long*)(src + 6 * ldb), *(long*)(src + 7 * ldb)).AsSingle();
            }
            Avx512F.PermuteVar16x32(rows, from).Store(dst + q * 16);
        }
        var first = Vector512.Equals(lane & Vector512.Create(g - 1), Vector512<int>.Zero).AsSingle();
        var spread = Vector512.ShiftRightLogical(lane, shift);
        var rowMask = Vector512.LessThan(lane, Vector512.Create(n)).AsSingle();
        for (int p = full * g; p < k; p++, q++)
        {
            // Column j to lane j·g, zeros elsewhere.
            var row = Avx512F.MaskLoad(b + p * ldb, rowMask, Vector512<float>.Zero);
            Vector512.ConditionalSelect(first, Avx512F.PermuteVar16x32(row, spread), Vector512<float>.Zero).Store(dst + q * 16);
        }
    }

    // A row's g values at p, repeated across the vector (lane l gets value l mod g).
    private interface IGroupBroadcast
    {
        static abstract Vector512<float> Load(float* p);
    }

    private struct Pairs : IGroupBroadcast
    {
        public static Vector512<float> Load(float* p) => Vector512.Create(*(double*)p).AsSingle();
    }

    private struct Quads : IGroupBroadcast
    {
        public static Vector512<float> Load(float* p) => Avx512F.BroadcastVector128ToVector512((int*)p).AsSingle();
    }

    private struct Octets : IGroupBroadcast
    {
        public static Vector512<float> Load(float* p) => Avx512F.BroadcastVector256ToVector512((long*)p).AsSingle();
    }

    // Rows [i0, i1) of C from the packed groups, R = 8 to 12 rows at a time (R independent chains of FMAs; R chosen
    // to leave the fewest rows over, e.g. 30 = 3·10). A last block of fewer rows is moved up to end at i1, recomputing
    // rows of the block before it without storing them. With fewer than eight rows in all, blocks of four whose
    // missing rows repeat the last one (read, not stored).
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void InterleavedRows(int i0, int i1, int m, int n, int k, int g, float alpha, float* a, nint lda, float* bp,
        float beta, float* c, nint ldc)
    {
        float* sums = stackalloc float[12 * 16];
        if (m >= 8)
        {
            int rows = BlockRows(i1 - i0);
            for (int i = i0; i < i1; i += rows)
            {
                int top = Math.Min(i, m - rows), skip = i - top;
                float* at = a + top * lda;
                switch (rows)
                {
                    case 12: Block<Twelve>(k, g, at, lda, bp, sums); break;
                    case 11: Block<Eleven>(k, g, at, lda, bp, sums); break;
                    case 10: Block<Ten>(k, g, at, lda, bp, sums); break;
                    case 9: Block<Nine>(k, g, at, lda, bp, sums); break;
                    default: Block<Eight>(k, g, at, lda, bp, sums); break;
                }
                StoreInterleavedFolded(sums + skip * 16, Math.Min(rows, i1 - i), n, g, alpha, beta, c + i * ldc, ldc);
            }
            return;
        }
        for (int i = i0; i < i1; i += 4)
        {
            float* r0 = a + i * lda, r1 = a + Math.Min(i + 1, m - 1) * lda, r2 = a + Math.Min(i + 2, m - 1) * lda, r3 = a + Math.Min(i + 3, m - 1) * lda;
            if (g == 2) Block4<Pairs>(k, 2, r0, r1, r2, r3, bp, sums);
            else if (g == 4) Block4<Quads>(k, 4, r0, r1, r2, r3, bp, sums);
            else Block4<Octets>(k, 8, r0, r1, r2, r3, bp, sums);
            StoreInterleavedFolded(sums, Math.Min(4, i1 - i), n, g, alpha, beta, c + i * ldc, ldc);
        }
    }

    // Rows per block of InterleavedRows and Broadcast: of 12 down to 8, the one computing the fewest rows in all. Up to
    // 12 rows, one block of max(m, 8) without the search (eight integer divisions, ≈ 30 ns of a 9×2×15 call).
    private static int BlockRows(int m)
    {
        if (m <= 12) return Math.Max(m, 8);
        int best = 12;
        for (int r = 11; r >= 8; r--)
            if ((m + r - 1) / r * r < (m + best - 1) / best * best) best = r;
        return best;
    }

    private interface IRowCount
    {
        static abstract int Count { get; }
    }

    private struct Twelve : IRowCount { public static int Count => 12; }
    private struct Eleven : IRowCount { public static int Count => 11; }
    private struct Ten : IRowCount { public static int Count => 10; }
    private struct Nine : IRowCount { public static int Count => 9; }
    private struct Eight : IRowCount { public static int Count => 8; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TRows>(int k, int g, float* a, nint lda, float* bp, float* sums) where TRows : struct, IRowCount
    {
        if (g == 2) Block<Pairs, TRows>(k, 2, a, lda, bp, sums);
        else if (g == 4) Block<Quads, TRows>(k, 4, a, lda, bp, sums);
        else Block<Octets, TRows>(k, 8, a, lda, bp, sums);
    }

    // sums[r·16 ..] = the R = TRows.Count rows a + r·lda against the packed groups (rows 0–3, 4–7, 8–11 from three
    // bases); the rows beyond R are compiled out.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TGroup, TRows>(int k, int g, float* a, nint lda, float* bp, float* sums)
        where TGroup : struct, IGroupBroadcast where TRows : struct, IRowCount
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
        Vector512<float> s6 = default, s7 = default, s8 = default, s9 = default, s10 = default, s11 = default;
        float* a0 = a, a4 = a + 4 * lda, a8 = a + 8 * lda;
        nint l2 = 2 * lda, l3 = 3 * lda;
        int full = k / g;
        for (int q = 0; q < full; q++, bp += 16, a0 += g, a4 += g, a8 += g)
        {
            var bv = Vector512.Load(bp);
            s0 = Vector512.FusedMultiplyAdd(TGroup.Load(a0), bv, s0);
            s1 = Vector512.FusedMultiplyAdd(TGroup.Load(a0 + lda), bv, s1);
            s2 = Vector512.FusedMultiplyAdd(TGroup.Load(a0 + l2), bv, s2);
            s3 = Vector512.FusedMultiplyAdd(TGroup.Load(a0 + l3), bv, s3);
            s4 = Vector512.FusedMultiplyAdd(TGroup.Load(a4), bv, s4);
            s5 = Vector512.FusedMultiplyAdd(TGroup.Load(a4 + lda), bv, s5);
            s6 = Vector512.FusedMultiplyAdd(TGroup.Load(a4 + l2), bv, s6);
            s7 = Vector512.FusedMultiplyAdd(TGroup.Load(a4 + l3), bv, s7);
            if (TRows.Count > 8) s8 = Vector512.FusedMultiplyAdd(TGroup.Load(a8), bv, s8);
            if (TRows.Count > 9) s9 = Vector512.FusedMultiplyAdd(TGroup.Load(a8 + lda), bv, s9);
            if (TRows.Count > 10) s10 = Vector512.FusedMultiplyAdd(TGroup.Load(a8 + l2), bv, s10);
            if (TRows.Count > 11) s11 = Vector512.FusedMultiplyAdd(TGroup.Load(a8 + l3), bv, s11);
        }
        // The last k mod g values: one broadcast value each, against a group with only lane s = 0 set.
        for (int p = full * g; p < k; p++, bp += 16, a0++, a4++, a8++)
        {
            var bv = Vector512.Load(bp);
            s0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[0]), bv, s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[lda]), bv, s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[l2]), bv, s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[l3]), bv, s3);
            s4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[0]), bv, s4);
            s5 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[lda]), bv, s5);
            s6 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[l2]), bv, s6);
            s7 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[l3]), bv, s7);
            if (TRows.Count > 8) s8 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[0]), bv, s8);
            if (TRows.Count > 9) s9 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[lda]), bv, s9);
            if (TRows.Count > 10) s10 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[l2]), bv, s10);
            if (TRows.Count > 11) s11 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[l3]), bv, s11);
        }
        s0.Store(sums); s1.Store(sums + 16); s2.Store(sums + 32); s3.Store(sums + 48);
        s4.Store(sums + 64); s5.Store(sums + 80); s6.Store(sums + 96); s7.Store(sums + 112);
        if (TRows.Count > 8) s8.Store(sums + 128);
        if (TRows.Count > 9) s9.Store(sums + 144);
        if (TRows.Count > 10) s10.Store(sums + 160);
        if (TRows.Count > 11) s11.Store(sums + 176);
    }

    // sums[r·16 ..] = rows r0..r3 against the packed groups; even and odd groups in separate accumulators so
    // eight chains of FMAs are in flight.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4<TGroup>(int k, int g, float* r0, float* r1, float* r2, float* r3, float* bp, float* sums)
        where TGroup : struct, IGroupBroadcast
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
        int full = k / g;
        nint p = 0;
        int q = 0;
        for (; q + 2 <= full; q += 2, p += 2 * g)
        {
            var bv = Vector512.Load(bp + q * 16);
            var bw = Vector512.Load(bp + q * 16 + 16);
            s0 = Vector512.FusedMultiplyAdd(TGroup.Load(r0 + p), bv, s0);
            s1 = Vector512.FusedMultiplyAdd(TGroup.Load(r1 + p), bv, s1);
            s2 = Vector512.FusedMultiplyAdd(TGroup.Load(r2 + p), bv, s2);
            s3 = Vector512.FusedMultiplyAdd(TGroup.Load(r3 + p), bv, s3);
            t0 = Vector512.FusedMultiplyAdd(TGroup.Load(r0 + p + g), bw, t0);
            t1 = Vector512.FusedMultiplyAdd(TGroup.Load(r1 + p + g), bw, t1);
            t2 = Vector512.FusedMultiplyAdd(TGroup.Load(r2 + p + g), bw, t2);
            t3 = Vector512.FusedMultiplyAdd(TGroup.Load(r3 + p + g), bw, t3);
        }
        if (q < full)
        {
            var bv = Vector512.Load(bp + q * 16);
            s0 = Vector512.FusedMultiplyAdd(TGroup.Load(r0 + p), bv, s0);
            s1 = Vector512.FusedMultiplyAdd(TGroup.Load(r1 + p), bv, s1);
            s2 = Vector512.FusedMultiplyAdd(TGroup.Load(r2 + p), bv, s2);
            s3 = Vector512.FusedMultiplyAdd(TGroup.Load(r3 + p), bv, s3);
            q++;
        }
        for (int pp = full * g; pp < k; pp++, q++)
        {
            var bv = Vector512.Load(bp + q * 16);
            s0 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[pp]), bv, s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Create(r1[pp]), bv, s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Create(r2[pp]), bv, s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Create(r3[pp]), bv, s3);
        }
        (s0 + t0).Store(sums); (s1 + t1).Store(sums + 16); (s2 + t2).Store(sums + 32); (s3 + t3).Store(sums + 48);
    }

    // C's row r ← alpha·(Σ_s sums[r·16 + j·g + s]) + beta·C's row r, j < n, for rows r < rows: g rows at a time are
    // folded into one vector (pairs of rows at lane distance g/2, then pairs of pairs at g/4, …: two selects, one
    // permute and one add per pair), in which row r's column j sits in lane j·g + rev(r), rev reversing r's log2 g
    // bits; one permute per row then gathers its n values. Folding each row on its own took log2 g + 1 permutes a row
    // (1000×40×2 ran at 0.72× OpenBLAS).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreInterleavedFolded(float* sums, int rows, int n, int g, float alpha, float beta, float* c, nint ldc)
    {
        var lane = Vector512<int>.Indices;
        var mask = Vector512.LessThan(lane, Vector512.Create(n)).AsSingle();
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        int bits = BitOperations.Log2((uint)g);
        var spread = Vector512.ShiftLeft(lane, bits);
        for (int r0 = 0; r0 < rows; r0 += g)
        {
            int count = Math.Min(g, rows - r0);
            float* s = sums + r0 * 16;
            Vector512<float> folded;
            if (g == 2)
            {
                folded = Fold(Vector512.Load(s), count > 1 ? Vector512.Load(s + 16) : default, 1, lane);
            }
            else if (g == 4)
            {
                var v0 = Vector512.Load(s);
                var v1 = count > 1 ? Vector512.Load(s + 16) : default;
                var v2 = count > 2 ? Vector512.Load(s + 32) : default;
                var v3 = count > 3 ? Vector512.Load(s + 48) : default;
                folded = Fold(Fold(v0, v1, 2, lane), Fold(v2, v3, 2, lane), 1, lane);
            }
            else
            {
                var v0 = Vector512.Load(s);
                var v1 = count > 1 ? Vector512.Load(s + 16) : default;
                var v2 = count > 2 ? Vector512.Load(s + 32) : default;
                var v3 = count > 3 ? Vector512.Load(s + 48) : default;
                var v4 = count > 4 ? Vector512.Load(s + 64) : default;
                var v5 = count > 5 ? Vector512.Load(s + 80) : default;
                var v6 = count > 6 ? Vector512.Load(s + 96) : default;
                var v7 = count > 7 ? Vector512.Load(s + 112) : default;
                folded = Fold(Fold(Fold(v0, v1, 4, lane), Fold(v2, v3, 4, lane), 2, lane),
                    Fold(Fold(v4, v5, 4, lane), Fold(v6, v7, 4, lane), 2, lane), 1, lane);
            }
            for (int r = 0; r < count; r++)
            {
                int rev = bits == 1 ? r : bits == 2 ? (r & 1) << 1 | r >> 1 : (r & 1) << 2 | (r & 2) | r >> 2;
                StoreRow(c + (r0 + r) * ldc, Avx512F.PermuteVar16x32(folded, spread + Vector512.Create(rev)), va, vb, beta, mask);
            }
        }
    }

    // Lanes with bit d clear: u[l] + u[l + d]; lanes with bit d set: v[l − d] + v[l]. At d = 8 and 2 the two addends
    // are two shuffles of u and v (128-bit blocks 0101/2323, in-block pairs 0101/2323) rather than two blends and a
    // cross-lane permute.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold(Vector512<float> u, Vector512<float> v, int d, Vector512<int> lane)
    {
        if (d == 8) return Avx512F.Shuffle4x128(u, v, 0x44) + Avx512F.Shuffle4x128(u, v, 0xEE);
        if (d == 2) return Avx512F.Shuffle(u, v, 0x44) + Avx512F.Shuffle(u, v, 0xEE);
        var dv = Vector512.Create(d);
        var high = Vector512.Equals(lane & dv, dv).AsSingle();
        return Vector512.ConditionalSelect(high, v, u) + Avx512F.PermuteVar16x32(Vector512.ConditionalSelect(high, u, v), lane ^ dv);
    }

    /// <summary>
    /// Small products with A and B untransposed (AVX-512) that ManagedBlas sends straight to <see cref="Small"/>:
    /// 1–16 rows, 2–15 columns, K of 1–16, at most <see cref="SmallMaxWork"/> multiply-adds (8×8×8, 2×16×2, 1×16×4).
    /// The interleaved form packed B and folded its sums (8×8×8 took ≈ 50 ns against OpenBLAS's 27), and up to 64
    /// multiply-adds the scalar loops ran one chain of k dependent adds per element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TakesSmall(bool transA, bool transB, int m, int n, int k)
        => !transA && !transB && (uint)(m - 1) < 16u && (uint)(n - 2) < 14u && (uint)(k - 1) < 16u
           && m * n * k <= SmallMaxWork && Avx512F.IsSupported;

    /// <summary>The most multiply-adds <see cref="TakesSmall"/> takes.</summary>
    public const int SmallMaxWork = 1024;

    /// <summary>Whether C has too few rows for one micro-kernel tile (AVX-512): <see cref="FewRows"/>.</summary>
    public static bool TakesFewRows(int m) => m < SgemmPacked.MR && Avx512F.IsSupported;

    // C = alpha·op(A)·B + beta·C with fewer rows than a 12-row tile, B untransposed: blocks of up to 4 rows × 64
    // columns, per k four masked loads of B's row (read in place) and one broadcast of op(A) per row, up to 16
    // accumulators; with A untransposed a last strip of at most 16 columns by Broadcast. A padded 12-row tile
    // wasted most of its FMAs and packing (4×64×64 ran at 0.39× OpenBLAS, TN 0.42, 9×100×100 NT 0.48). Caller has
    // pinned and handled m, n, k = 0 and alpha = 0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FewRows(bool transA, int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        // op(A)[i, p] = a[i·rowStep + p·kStep]
        nint rowStep = transA ? 1 : lda, kStep = transA ? lda : 1;
        int j = 0;
        for (; transA ? j < n : n - j > 16; j += 64)
        {
            int cols = Math.Min(64, n - j);
            for (int i = 0; i < m; i += 4)
            {
                float* ai = a + i * rowStep, bj = b + j, ci = c + i * ldc + j;
                switch (Math.Min(4, m - i))
                {
                    case 4: FewRowsBlock<Four>(k, cols, alpha, ai, rowStep, kStep, bj, ldb, beta, ci, ldc); break;
                    case 3: FewRowsBlock<Three>(k, cols, alpha, ai, rowStep, kStep, bj, ldb, beta, ci, ldc); break;
                    case 2: FewRowsBlock<Two>(k, cols, alpha, ai, rowStep, kStep, bj, ldb, beta, ci, ldc); break;
                    default: FewRowsBlock<One>(k, cols, alpha, ai, rowStep, kStep, bj, ldb, beta, ci, ldc); break;
                }
            }
        }
        if (j < n) Broadcast(0, m, n - j, k, alpha, a, lda, b + j, ldb, beta, c + j, ldc);
    }

    // C = alpha·A·B^T + beta·C by dot products of A's rows with B's rows, both read in place: blocks of 4 rows × 4
    // columns, per 16 k four loads of A and four of B for 16 FMAs (the last k mod 16 masked), the 16 sums folded
    // into one vector (Fold at lane distances 8, 4, 2, 1). Missing columns and rows of a block are compiled out
    // (their pointers repeat the last row; nothing of them is stored). One row against four columns at a time (Rows) loaded A
    // once per four FMAs and reduced each sum on its own (3×500×40 NT ran at 0.65× OpenBLAS, 1.35 so).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRows(int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        var lane = Vector512<int>.Indices;
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        var tail = Vector512.LessThan(lane, Vector512.Create(k % 16)).AsSingle();
        for (int i = 0; i < m; i += 4)
        {
            float* a0 = a + i * lda, a1 = a + Math.Min(i + 1, m - 1) * lda, a2 = a + Math.Min(i + 2, m - 1) * lda, a3 = a + Math.Min(i + 3, m - 1) * lda;
            for (int j = 0; j < n; j += 4)
            {
                float* b0 = b + j * ldb, b1 = b + Math.Min(j + 1, n - 1) * ldb, b2 = b + Math.Min(j + 2, n - 1) * ldb, b3 = b + Math.Min(j + 3, n - 1) * ldb;
                var folded = (m - i) switch
                {
                    1 => DotBlock<One>(n - j, k, a0, a1, a2, a3, b0, b1, b2, b3, tail, lane),
                    2 => DotBlock<Two>(n - j, k, a0, a1, a2, a3, b0, b1, b2, b3, tail, lane),
                    3 => DotBlock<Three>(n - j, k, a0, a1, a2, a3, b0, b1, b2, b3, tail, lane),
                    _ => DotBlock<Four>(n - j, k, a0, a1, a2, a3, b0, b1, b2, b3, tail, lane),
                };
                var mask = Vector512.LessThan(lane, Vector512.Create(Math.Min(4, n - j))).AsSingle();
                for (int r = 0, rows = Math.Min(4, m - i); r < rows; r++)
                {
                    // Sum (r, q) came from vector 4r + q: after the four folds it sits in lane rev4(4r + q) = rev2(q)·4 + rev2(r).
                    var from = Vector512.Create(((r & 1) << 1 | r >> 1) & 3) + Vector512.Create(0, 8, 4, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
                    StoreRow(c + (i + r) * ldc + j, Avx512F.PermuteVar16x32(folded, from), va, vb, beta, mask);
                }
            }
        }
    }

    // A block of DotRows with `cols` columns left: a last block of 1–3 columns compiles out the missing ones (2×1000×2
    // NT loaded B's second row three times and did half its FMAs for nothing).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> DotBlock<TRows>(int cols, int k, float* a0, float* a1, float* a2, float* a3, float* b0, float* b1,
        float* b2, float* b3, Vector512<float> tail, Vector512<int> lane) where TRows : struct, IRowCount
        => cols switch
        {
            1 => Dot4x4<TRows, One>(k, a0, a1, a2, a3, b0, b1, b2, b3, tail, lane),
            2 => Dot4x4<TRows, Two>(k, a0, a1, a2, a3, b0, b1, b2, b3, tail, lane),
            3 => Dot4x4<TRows, Three>(k, a0, a1, a2, a3, b0, b1, b2, b3, tail, lane),
            _ => Dot4x4<TRows, Four>(k, a0, a1, a2, a3, b0, b1, b2, b3, tail, lane),
        };

    // The 16 dot products of a0–a3 with b0–b3 over k, folded: the sum of vector v = 4r + q in lane rev4(v); rows
    // past TRows.Count and columns past TCols.Count compiled out (their sums zero).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> Dot4x4<TRows, TCols>(int k, float* a0, float* a1, float* a2, float* a3, float* b0, float* b1, float* b2,
        float* b3, Vector512<float> tail, Vector512<int> lane) where TRows : struct, IRowCount where TCols : struct, IRowCount
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        int p = 0;
        for (; p <= k; p += 16)
        {
            Vector512<float> x0, x1 = default, x2 = default, x3 = default, y0, y1 = default, y2 = default, y3 = default;
            if (p + 16 <= k)
            {
                x0 = Vector512.Load(a0 + p);
                if (TRows.Count > 1) x1 = Vector512.Load(a1 + p);
                if (TRows.Count > 2) x2 = Vector512.Load(a2 + p);
                if (TRows.Count > 3) x3 = Vector512.Load(a3 + p);
                y0 = Vector512.Load(b0 + p);
                if (TCols.Count > 1) y1 = Vector512.Load(b1 + p);
                if (TCols.Count > 2) y2 = Vector512.Load(b2 + p);
                if (TCols.Count > 3) y3 = Vector512.Load(b3 + p);
            }
            else
            {
                if (p == k) break;
                var z = Vector512<float>.Zero;
                x0 = Avx512F.MaskLoad(a0 + p, tail, z);
                if (TRows.Count > 1) x1 = Avx512F.MaskLoad(a1 + p, tail, z);
                if (TRows.Count > 2) x2 = Avx512F.MaskLoad(a2 + p, tail, z);
                if (TRows.Count > 3) x3 = Avx512F.MaskLoad(a3 + p, tail, z);
                y0 = Avx512F.MaskLoad(b0 + p, tail, z);
                if (TCols.Count > 1) y1 = Avx512F.MaskLoad(b1 + p, tail, z);
                if (TCols.Count > 2) y2 = Avx512F.MaskLoad(b2 + p, tail, z);
                if (TCols.Count > 3) y3 = Avx512F.MaskLoad(b3 + p, tail, z);
            }
            s00 = Vector512.FusedMultiplyAdd(x0, y0, s00);
            if (TCols.Count > 1) s01 = Vector512.FusedMultiplyAdd(x0, y1, s01);
            if (TCols.Count > 2) s02 = Vector512.FusedMultiplyAdd(x0, y2, s02);
            if (TCols.Count > 3) s03 = Vector512.FusedMultiplyAdd(x0, y3, s03);
            if (TRows.Count > 1) s10 = Vector512.FusedMultiplyAdd(x1, y0, s10);
            if (TRows.Count > 1 && TCols.Count > 1) s11 = Vector512.FusedMultiplyAdd(x1, y1, s11);
            if (TRows.Count > 1 && TCols.Count > 2) s12 = Vector512.FusedMultiplyAdd(x1, y2, s12);
            if (TRows.Count > 1 && TCols.Count > 3) s13 = Vector512.FusedMultiplyAdd(x1, y3, s13);
            if (TRows.Count > 2) s20 = Vector512.FusedMultiplyAdd(x2, y0, s20);
            if (TRows.Count > 2 && TCols.Count > 1) s21 = Vector512.FusedMultiplyAdd(x2, y1, s21);
            if (TRows.Count > 2 && TCols.Count > 2) s22 = Vector512.FusedMultiplyAdd(x2, y2, s22);
            if (TRows.Count > 2 && TCols.Count > 3) s23 = Vector512.FusedMultiplyAdd(x2, y3, s23);
            if (TRows.Count > 3) s30 = Vector512.FusedMultiplyAdd(x3, y0, s30);
            if (TRows.Count > 3 && TCols.Count > 1) s31 = Vector512.FusedMultiplyAdd(x3, y1, s31);
            if (TRows.Count > 3 && TCols.Count > 2) s32 = Vector512.FusedMultiplyAdd(x3, y2, s32);
            if (TRows.Count > 3 && TCols.Count > 3) s33 = Vector512.FusedMultiplyAdd(x3, y3, s33);
        }
        var r0 = Fold(Fold(Fold(s00, s01, 8, lane), Fold(s02, s03, 8, lane), 4, lane), Fold(Fold(s10, s11, 8, lane), Fold(s12, s13, 8, lane), 4, lane), 2, lane);
        var r1 = Fold(Fold(Fold(s20, s21, 8, lane), Fold(s22, s23, 8, lane), 4, lane), Fold(Fold(s30, s31, 8, lane), Fold(s32, s33, 8, lane), 4, lane), 2, lane);
        return Fold(r0, r1, 1, lane);
    }

    // The R = TRows.Count (1–4) rows of C's columns [0, cols), cols ≤ 64, row r of op(A) at a + r·rowStep, its k
    // values kStep apart: four vectors per row, masked to cols (the vectors past cols load zeros and are not
    // stored); rows beyond R compiled out.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRowsBlock<TRows>(int k, int cols, float alpha, float* a, nint rowStep, nint kStep, float* b, nint ldb, float beta,
        float* c, nint ldc) where TRows : struct, IRowCount
    {
        var lane = Vector512<int>.Indices;
        var m0 = Vector512.LessThan(lane, Vector512.Create(cols)).AsSingle();
        var m1 = Vector512.LessThan(lane, Vector512.Create(cols - 16)).AsSingle();
        var m2 = Vector512.LessThan(lane, Vector512.Create(cols - 32)).AsSingle();
        var m3 = Vector512.LessThan(lane, Vector512.Create(cols - 48)).AsSingle();
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        nint l2 = 2 * rowStep, l3 = 3 * rowStep;
        for (int p = 0; p < k; p++, b += ldb, a += kStep)
        {
            var b0 = Avx512F.MaskLoad(b, m0, Vector512<float>.Zero);
            var b1 = Avx512F.MaskLoad(b + 16, m1, Vector512<float>.Zero);
            var b2 = Avx512F.MaskLoad(b + 32, m2, Vector512<float>.Zero);
            var b3 = Avx512F.MaskLoad(b + 48, m3, Vector512<float>.Zero);
            var x = Vector512.Create(a[0]);
            s00 = Vector512.FusedMultiplyAdd(x, b0, s00); s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
            s02 = Vector512.FusedMultiplyAdd(x, b2, s02); s03 = Vector512.FusedMultiplyAdd(x, b3, s03);
            if (TRows.Count > 1)
            {
                x = Vector512.Create(a[rowStep]);
                s10 = Vector512.FusedMultiplyAdd(x, b0, s10); s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
                s12 = Vector512.FusedMultiplyAdd(x, b2, s12); s13 = Vector512.FusedMultiplyAdd(x, b3, s13);
            }
            if (TRows.Count > 2)
            {
                x = Vector512.Create(a[l2]);
                s20 = Vector512.FusedMultiplyAdd(x, b0, s20); s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
                s22 = Vector512.FusedMultiplyAdd(x, b2, s22); s23 = Vector512.FusedMultiplyAdd(x, b3, s23);
            }
            if (TRows.Count > 3)
            {
                x = Vector512.Create(a[l3]);
                s30 = Vector512.FusedMultiplyAdd(x, b0, s30); s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
                s32 = Vector512.FusedMultiplyAdd(x, b2, s32); s33 = Vector512.FusedMultiplyAdd(x, b3, s33);
            }
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        StoreRow4(c, s00, s01, s02, s03, va, vb, beta, m0, m1, m2, m3);
        if (TRows.Count > 1) StoreRow4(c + ldc, s10, s11, s12, s13, va, vb, beta, m0, m1, m2, m3);
        if (TRows.Count > 2) StoreRow4(c + 2 * ldc, s20, s21, s22, s23, va, vb, beta, m0, m1, m2, m3);
        if (TRows.Count > 3) StoreRow4(c + 3 * ldc, s30, s31, s32, s33, va, vb, beta, m0, m1, m2, m3);
    }

    // Four vectors of a row of C (columns 0–63), each stored through its mask (StoreRow).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow4(float* ci, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3,
        Vector512<float> va, Vector512<float> vb, float beta, Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3)
    {
        StoreRow(ci, s0, va, vb, beta, m0);
        StoreRow(ci + 16, s1, va, vb, beta, m1);
        StoreRow(ci + 32, s2, va, vb, beta, m2);
        StoreRow(ci + 48, s3, va, vb, beta, m3);
    }

    // Rows [i0, i1) of C = alpha·A·B + beta·C with A (m×k) and B (k×n, n ≤ 16) untransposed: eight rows at a time,
    // one accumulator per row holding all n columns; per k one masked load of B's row and eight broadcasts of A.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    internal static void Broadcast(int i0, int i1, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc)
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        int i = i0;
        if (i1 - i0 >= 8)
        {
            // Blocks of 8 to 12 rows (BlockRows), the last moved up to end at i1 (its first rows recomputed, not stored).
            int rows = BlockRows(i1 - i0);
            for (; i < i1; i += rows)
            {
                int top = Math.Min(i, i1 - rows), skip = i - top;
                float* at = a + top * lda, ct = c + top * ldc;
                switch (rows)
                {
                    case 12: BroadcastBlock<Twelve>(k, at, lda, b, ldb, mask, skip, ct, ldc, va, vb, beta); break;
                    case 11: BroadcastBlock<Eleven>(k, at, lda, b, ldb, mask, skip, ct, ldc, va, vb, beta); break;
                    case 10: BroadcastBlock<Ten>(k, at, lda, b, ldb, mask, skip, ct, ldc, va, vb, beta); break;
                    case 9: BroadcastBlock<Nine>(k, at, lda, b, ldb, mask, skip, ct, ldc, va, vb, beta); break;
                    default: BroadcastBlock<Eight>(k, at, lda, b, ldb, mask, skip, ct, ldc, va, vb, beta); break;
                }
            }
            return;
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

    // The products of TakesSmall (ManagedBlas.SmallPath): 1–3 rows of at most 8 columns by SmallRows, every other by
    // Broadcast (for 9–15 columns the numbers are those the narrow path gave before).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Small(int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        if (m >= 4 || n > 8)
        {
            Broadcast(0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();
        if (m == 1) SmallRows<One>(k, alpha, a, lda, b, ldb, beta, c, ldc, mask);
        else if (m == 2) SmallRows<Two>(k, alpha, a, lda, b, ldb, beta, c, ldc, mask);
        else SmallRows<Three>(k, alpha, a, lda, b, ldb, beta, c, ldc, mask);
    }

    // C's R = TRows.Count (1–3) rows ← alpha·A·B + beta·C, A and B untransposed, n ≤ 16 (mask): per k one masked load
    // of B's row shared by the rows and four accumulators per row (k mod 4), summed (0 + 1) + (2 + 3), so a K of 16 is
    // four chains of four FMAs. Broadcast's single rows (two accumulators each, B loaded per row) left 2×16×2 at
    // 0.81–0.85× OpenBLAS.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmallRows<TRows>(int k, float alpha, float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc,
        Vector512<float> mask) where TRows : struct, IRowCount
    {
        Vector512<float> u0 = default, u1 = default, u2 = default, u3 = default;
        Vector512<float> v0 = default, v1 = default, v2 = default, v3 = default;
        Vector512<float> w0 = default, w1 = default, w2 = default, w3 = default;
        float* a1 = a + lda, a2 = a + 2 * lda;
        nint l2 = 2 * ldb, l3 = 3 * ldb;
        int p = 0;
        for (; p + 4 <= k; p += 4, b += 4 * ldb)
        {
            var b0 = Avx512F.MaskLoad(b, mask, Vector512<float>.Zero);
            var b1 = Avx512F.MaskLoad(b + ldb, mask, Vector512<float>.Zero);
            var b2 = Avx512F.MaskLoad(b + l2, mask, Vector512<float>.Zero);
            var b3 = Avx512F.MaskLoad(b + l3, mask, Vector512<float>.Zero);
            u0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[p]), b0, u0);
            u1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[p + 1]), b1, u1);
            u2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[p + 2]), b2, u2);
            u3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[p + 3]), b3, u3);
            if (TRows.Count > 1)
            {
                v0 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p]), b0, v0);
                v1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p + 1]), b1, v1);
                v2 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p + 2]), b2, v2);
                v3 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p + 3]), b3, v3);
            }
            if (TRows.Count > 2)
            {
                w0 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p]), b0, w0);
                w1 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p + 1]), b1, w1);
                w2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p + 2]), b2, w2);
                w3 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p + 3]), b3, w3);
            }
        }
        for (; p < k; p++, b += ldb)
        {
            var b0 = Avx512F.MaskLoad(b, mask, Vector512<float>.Zero);
            u0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[p]), b0, u0);
            if (TRows.Count > 1) v0 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p]), b0, v0);
            if (TRows.Count > 2) w0 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p]), b0, w0);
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        StoreRow(c, (u0 + u1) + (u2 + u3), va, vb, beta, mask);
        if (TRows.Count > 1) StoreRow(c + ldc, (v0 + v1) + (v2 + v3), va, vb, beta, mask);
        if (TRows.Count > 2) StoreRow(c + 2 * ldc, (w0 + w1) + (w2 + w3), va, vb, beta, mask);
    }

    // C's rows r = skip … R − 1 of the block at c ← alpha·Σ_p A[r, p]·B[p, 0..n) + beta·C, R = TRows.Count rows
    // a + r·lda: per k one masked load of B's row and R broadcasts of A (rows beyond R compiled out). Stored from the
    // registers: through a buffer read back at once (failed store forwarding) the stores cost a third of 12×12×12.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BroadcastBlock<TRows>(int k, float* a, nint lda, float* b, nint ldb, Vector512<float> mask, int skip,
        float* c, nint ldc, Vector512<float> va, Vector512<float> vb, float beta)
        where TRows : struct, IRowCount
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
        Vector512<float> s6 = default, s7 = default, s8 = default, s9 = default, s10 = default, s11 = default;
        float* a0 = a, a4 = a + 4 * lda, a8 = a + 8 * lda;
        nint l2 = 2 * lda, l3 = 3 * lda;
        for (int p = 0; p < k; p++, b += ldb, a0++, a4++, a8++)
        {
            var bv = Avx512F.MaskLoad(b, mask, Vector512<float>.Zero);
            s0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[0]), bv, s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[lda]), bv, s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[l2]), bv, s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[l3]), bv, s3);
            s4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[0]), bv, s4);
            s5 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[lda]), bv, s5);
            s6 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[l2]), bv, s6);
            s7 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[l3]), bv, s7);
            if (TRows.Count > 8) s8 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[0]), bv, s8);
            if (TRows.Count > 9) s9 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[lda]), bv, s9);
            if (TRows.Count > 10) s10 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[l2]), bv, s10);
            if (TRows.Count > 11) s11 = Vector512.FusedMultiplyAdd(Vector512.Create(a8[l3]), bv, s11);
        }
        if (skip <= 0) StoreRow(c, s0, va, vb, beta, mask);
        if (skip <= 1) StoreRow(c + ldc, s1, va, vb, beta, mask);
        if (skip <= 2) StoreRow(c + 2 * ldc, s2, va, vb, beta, mask);
        if (skip <= 3) StoreRow(c + 3 * ldc, s3, va, vb, beta, mask);
        if (skip <= 4) StoreRow(c + 4 * ldc, s4, va, vb, beta, mask);
        if (skip <= 5) StoreRow(c + 5 * ldc, s5, va, vb, beta, mask);
        if (skip <= 6) StoreRow(c + 6 * ldc, s6, va, vb, beta, mask);
        if (skip <= 7) StoreRow(c + 7 * ldc, s7, va, vb, beta, mask);
        if (TRows.Count > 8 && skip <= 8) StoreRow(c + 8 * ldc, s8, va, vb, beta, mask);
        if (TRows.Count > 9 && skip <= 9) StoreRow(c + 9 * ldc, s9, va, vb, beta, mask);
        if (TRows.Count > 10 && skip <= 10) StoreRow(c + 10 * ldc, s10, va, vb, beta, mask);
        if (TRows.Count > 11) StoreRow(c + 11 * ldc, s11, va, vb, beta, mask);
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
