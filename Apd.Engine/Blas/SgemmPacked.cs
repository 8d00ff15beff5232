// Packed-panel SGEMM (the BLIS loop nest), row-major, all four transposes, alpha/beta, leading dimensions.
//   for each K-slice of KC, each block of MB rows: pack alpha·A into MR-row panels (k-major), except the
//     tiles the AVX-512 kernels read in place (alpha = 1, ReadsAInPlace);
//     for each block of NB columns: pack B into NR-column panels (k-major) when it is stored transposed or
//     has many rows to serve, otherwise read B in place (its rows already hold NR contiguous values per k);
//       for each MR-row tile of A (stays in L1), each NR panel of B (streams from L2): micro-kernel, with
//       shorter kernels (8 or 4 rows, 16 columns) and masked merges for the last rows and columns.
// Threads each claim blocks of rows or of columns of C and run this nest on them.
// The first K-slice applies beta (beta = 0 never reads C); later slices accumulate.
// Hot methods are [AggressiveOptimization]: fully optimised at first call, so the first GEMMs of a process
// do not run tier-0 packing loops.
// GemmInPlace runs the same tiles without any packing or workspace when A and B can both be read in place
// (small single-threaded products; ComputesInPlace).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Apd.Engine.Blas;

internal static unsafe class SgemmPacked
{
    public enum Isa
    {
        Avx512,
        Avx2,
        Vector128,
    }

    /// <summary>The widest micro-kernel this process can run (reduced by DOTNET_EnableAVX512F=0 etc.).</summary>
    public static readonly Isa Best = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? Isa.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? Isa.Avx2
        : Isa.Vector128;

    /// <summary>False when hardware intrinsics are off: then the direct path is used for every shape.</summary>
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;

    public static readonly int MR = Best switch { Isa.Avx512 => 12, Isa.Avx2 => 6, _ => 4 };
    public static readonly int NR = Best switch { Isa.Avx512 => 32, Isa.Avx2 => 16, _ => 8 };
    public const int KC = 256;
    private static readonly int NB = Best == Isa.Avx512 ? 320 : 256;
    private static readonly int MB = 256 * MR;

    /// <summary>Packing buffers of one thread (64-byte aligned, grown on demand, reused across calls).</summary>
    public sealed class Workspace : IDisposable
    {
        public float* A;
        public float* B;
        private nuint _aSize, _bSize;

        public void Ensure(int aFloats, int bFloats)
        {
            if ((nuint)aFloats > _aSize)
            {
                NativeMemory.AlignedFree(A);
                A = (float*)NativeMemory.AlignedAlloc((nuint)aFloats * sizeof(float), 64);
                _aSize = (nuint)aFloats;
            }
            if ((nuint)bFloats > _bSize)
            {
                NativeMemory.AlignedFree(B);
                B = (float*)NativeMemory.AlignedAlloc((nuint)bFloats * sizeof(float), 64);
                _bSize = (nuint)bFloats;
            }
        }

        ~Workspace() => Free();

        public void Dispose()
        {
            Free();
            GC.SuppressFinalize(this);
        }

        private void Free()
        {
            NativeMemory.AlignedFree(A);
            NativeMemory.AlignedFree(B);
            A = B = null;
            _aSize = _bSize = 0;
        }
    }

    private readonly struct Problem
    {
        public required bool TransA { get; init; }
        public required bool TransB { get; init; }
        public required int M { get; init; }
        public required int N { get; init; }
        public required int K { get; init; }
        public required float Alpha { get; init; }
        public required float Beta { get; init; }
        public required float* A { get; init; }
        public required nint Lda { get; init; }
        public required float* B { get; init; }
        public required nint Ldb { get; init; }
        public required float* C { get; init; }
        public required nint Ldc { get; init; }

        /// <summary>Rows [r0, r1) of C: the matching rows of op(A), all of B.</summary>
        public Problem Rows(int r0, int r1) => this with
        {
            M = r1 - r0,
            A = TransA ? A + r0 : A + r0 * Lda,
            C = C + r0 * Ldc,
        };

        /// <summary>Columns [c0, c1) of C: all of A, the matching columns of op(B).</summary>
        public Problem Columns(int c0, int c1) => this with
        {
            N = c1 - c0,
            B = TransB ? B + c0 * Ldb : B + c0,
            C = C + c0,
        };
    }

    /// <summary>
    /// Caller has validated the arguments and handled m, n = 0 and k = 0 / alpha = 0. With a team, C is cut
    /// into blocks of rows or of columns (whichever costs less: idle tiles plus packing that each block
    /// repeats) and each thread runs the single-threaded loop nest on the blocks it claims: no barriers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc,
        Workspace[] ws, GemmThreadTeam? team)
    {
        var problem = new Problem
        {
            TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
            A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
        };
        int threads = team?.Size ?? 1;
        if (threads == 1)
        {
            Run(problem, ws[0]);
            return;
        }
        // One part per thread, claimed dynamically: a worker the OS runs late leaves its part to the caller.
        int parts = threads;
        int mTiles = (m + MR - 1) / MR, nPanels = (n + NR - 1) / NR;
        if (mTiles * nPanels < 4 * parts && k >= 4 * KC)
        {
            SplitK(problem, ws, team!, parts);
            return;
        }
        // Cost per k, in micro-kernel tiles and packed elements (a tile ≈ MR·NR/32 cycles; packing ≈ 1 cycle
        // per element when it transposes, ¼ when it copies; B read in place costs nothing), for the busiest thread.
        double tile = MR * NR / 32.0, packA = ReadsAInPlace(transA, alpha, lda) ? 0.0 : transA ? 0.25 : 1.0, packB = transB ? 1.0 : ReadsBInPlace(false, m, ldb) ? 0.0 : 0.25;
        double byRows = Ceil(mTiles, parts) * nPanels * tile + (double)m / parts * packA + n * packB;
        double byCols = mTiles * Ceil(nPanels, parts) * tile + m * packA + (double)n / parts * packB;
        bool splitRows = byRows <= byCols;
        int units = splitRows ? mTiles : nPanels, unit = splitRows ? MR : NR, extent = splitRows ? m : n;
        RunShared(problem, ws, team!, parts, splitRows, units, unit, extent);
    }

    // The lambda in its own method: a single-threaded call of Gemm allocates no closure.
    private static void RunShared(Problem problem, Workspace[] ws, GemmThreadTeam team, int parts, bool splitRows, int units, int unit, int extent)
        => team.Run(parts, (part, thread) =>
        {
            (int u0, int u1) = Share(units, part, parts);
            int lo = Math.Min(extent, u0 * unit), hi = Math.Min(extent, u1 * unit);
            if (lo < hi) Run(splitRows ? problem.Rows(lo, hi) : problem.Columns(lo, hi), ws[thread]);
        });

    /// <summary>
    /// True when C can be computed from A and B where they lie (<see cref="GemmInPlace"/>): AVX-512, alpha = 1, B
    /// untransposed, 12 to 192 rows, no stride a multiple of 4 KiB. No workspace, no packing.
    /// </summary>
    public static bool ComputesInPlace(bool transA, bool transB, int m, int n, int k, float alpha, nint lda, nint ldb)
        => ReadsAInPlace(transA, alpha, lda) && ReadsBInPlace(transB, m, ldb) && m >= MR;

    // C = op(A)·B + beta·C for a C that ComputesInPlace, the tiles in Run's order (K-slices, blocks of NB columns, row
    // tiles, panels) but straight from A, B and C. Row tiles of 12 and 8 rows (8 + 8 for m = 12q + 4, 8 for 12q + 8);
    // when m is not a multiple of 4 its last m mod 4 + 4 rows are an 8-row tile moved up to end at row m (1–3 rows
    // recomputed, not stored). Columns: 32-column panels, then one of 16; the last n mod 16 columns are a narrow
    // product of their own (GemmNarrow, or a matrix-vector product for one column). Run's set-up (workspace, packing
    // the ragged panel, problem) was ≈ 5 % of a 64³ product and ragged edges cost 100³ 13 % against OpenBLAS.
    // Largest B (k·n floats) for which GemmInPlace computes a last row of m = 4q + 1 apart: 17×33×129 (4 Ki) ran
    // 0.84 → 1.0× OpenBLAS, 13×100×129 (13 Ki) 0.87 → 0.95; 29×200×100 (20 Ki) lost 2 %, 17×500×500 (250 Ki) 9 %.
    private const long LastRowApartMaxFloats = 16 * 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void GemmInPlace(bool transA, int m, int n, int k, float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        if (m % 4 == 1 && (long)k * n <= LastRowApartMaxFloats)
        {
            // m = 4q + 1: the last row is a vector-matrix product of its own (C's row^T = B^T·A's row^T, B's rows
            // summed in registers) and the tiles cover 4q rows, instead of a moved-up 8-row tile recomputing 3 rows.
            // Only while B is small: the row reads all of B for one FMA per load, where the tile reuses it from cache.
            m--;
            float* aRow = transA ? a + m : a + m * lda;
            Sgemv.Run(true, !transA, n, k, 1f, b, ldb, aRow, transA ? lda : 1, beta, c + m * ldc, 1, null);
        }
        float* edge = stackalloc float[MR * NR];
        int wide = n / NR * NR, half = n - wide >= 16 ? 16 : 0, narrow = n - wide - half;
        // Row tiles: m = 12·twelves + 8·eights + rest, rest = 0 or 5–7 (m mod 4 + 4); the last `rest` rows are an 8-row
        // tile moved up to end at row m, computed into the edge tile, of which only those rows are merged into C.
        int rest = m % 4 == 0 ? 0 : m % 4 + 4;
        int quads = (m - rest) / 4;
        int eights = quads % 3 == 0 ? 0 : quads % 3 == 1 ? 2 : 1;
        int fullRows = (m - rest - 8 * eights) / MR * MR;
        // K-slices of KC as in Run: the first applies beta, the others accumulate.
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            float sliceBeta = pc == 0 ? beta : 1f;
            float* aSlice = transA ? a + pc * lda : a + pc;
            float* bSlice = b + pc * ldb;
            InPlaceSlice(transA, m, n, kc, aSlice, lda, bSlice, ldb, sliceBeta, c, ldc, edge, wide, half, fullRows, m - rest);
        }
        if (narrow == 1)
            Sgemv.Run(transA, false, m, k, 1f, a, lda, b + (n - 1), ldb, beta, c + (n - 1), ldc, null);
        else if (narrow > 1)
            GemmNarrow.Run(transA, false, m, narrow, k, 1f, a, lda, b + (n - narrow), ldb, beta, c + (n - narrow), ldc, null);
    }

    // One K-slice of GemmInPlace over the 32- and 16-column panels: 12-row tiles up to fullRows, 8-row tiles up to
    // tiledRows, then the moved-up 8-row tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InPlaceSlice(bool transA, int m, int n, int k, float* a, nint lda, float* b, nint ldb, float beta,
        float* c, nint ldc, float* edge, int wide, int half, int fullRows, int tiledRows)
    {
        for (int jc = 0; jc < wide + half; jc += NB)
        {
            int jEnd = Math.Min(wide, jc + NB);
            bool halfHere = half > 0 && jc + NB >= wide + half;
            for (int row = 0; row < m;)
            {
                int rows = row < fullRows ? MR : row < tiledRows ? 8 : m - row;
                float* cRow = c + row * ldc;
                for (int j = jc; j < jEnd; j += NR)
                {
                    if (rows == MR)
                        Tile12x32(transA, k, a, lda, row, b + j, ldb, cRow + j, ldc, beta);
                    else if (row < tiledRows)
                        Tile8x32(transA, k, a, lda, row, b + j, ldb, cRow + j, ldc, beta);
                    else
                    {
                        Tile8x32(transA, k, a, lda, m - 8, b + j, ldb, edge, NR, 0f);
                        MergeEdge(edge + (8 - rows) * NR, NR, rows, NR, cRow + j, ldc, beta);
                    }
                }
                if (halfHere)
                {
                    float* bHalf = b + wide;
                    if (rows == MR)
                        Tile12x16(transA, k, a, lda, row, bHalf, ldb, cRow + wide, ldc, beta);
                    else if (row < tiledRows)
                        Tile8x16(transA, k, a, lda, row, bHalf, ldb, cRow + wide, ldc, beta);
                    else
                    {
                        Tile8x16(transA, k, a, lda, m - 8, bHalf, ldb, edge, NR, 0f);
                        MergeEdge(edge + (8 - rows) * NR, NR, rows, 16, cRow + wide, ldc, beta);
                    }
                }
                row += rows;
            }
        }
    }

    // The 12×32 tile of C at rows [row, row + 12) from A in place (its rows, or its columns when stored transposed).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile12x32(bool transA, int k, float* a, nint lda, int row, float* b, nint ldb, float* c, nint ldc, float beta)
    {
        if (transA) SgemmMicroKernels.Kernel12x32T(k, a + row, lda, b, ldb, c, ldc, beta);
        else SgemmMicroKernels.Kernel12x32Rows(k, a + row * lda, lda, b, ldb, c, ldc, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile8x32(bool transA, int k, float* a, nint lda, int row, float* b, nint ldb, float* c, nint ldc, float beta)
    {
        if (transA) SgemmMicroKernels.Kernel8x32T(k, a + row, lda, b, ldb, c, ldc, beta);
        else SgemmMicroKernels.Kernel8x32Rows(k, a + row * lda, lda, b, ldb, c, ldc, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile8x16(bool transA, int k, float* a, nint lda, int row, float* b, nint ldb, float* c, nint ldc, float beta)
    {
        if (transA) SgemmMicroKernels.Kernel8x16T(k, a + row, lda, b, ldb, c, ldc, beta);
        else SgemmMicroKernels.Kernel8x16Rows(k, a + row * lda, lda, b, ldb, c, ldc, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile12x16(bool transA, int k, float* a, nint lda, int row, float* b, nint ldb, float* c, nint ldc, float beta)
    {
        if (transA) SgemmMicroKernels.Kernel12x16T(k, a + row, lda, b, ldb, c, ldc, beta);
        else SgemmMicroKernels.Kernel12x16Rows(k, a + row * lda, lda, b, ldb, c, ldc, beta);
    }

    // A small C over a long K (e.g. a convolution's weight gradient, 20×75 over K = 50 000) has too few tiles
    // to share: each part takes a range of K instead. Part 0 updates C (with beta); the others write
    // partial products to their own M×N buffer, added to C after the join.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SplitK(in Problem problem, Workspace[] ws, GemmThreadTeam team, int parts)
    {
        int m = problem.M, n = problem.N;
        float* partials = (float*)NativeMemory.AlignedAlloc((nuint)((long)(parts - 1) * m * n * sizeof(float)), 64);
        try
        {
            var pr = problem;
            team.Run(parts, (part, thread) =>
            {
                (int k0, int k1) = Share(pr.K, part, parts);
                var slice = pr with
                {
                    K = k1 - k0,
                    A = pr.TransA ? pr.A + k0 * pr.Lda : pr.A + k0,
                    B = pr.TransB ? pr.B + k0 : pr.B + k0 * pr.Ldb,
                };
                if (part > 0) slice = slice with { C = partials + (nint)(part - 1) * m * n, Ldc = n, Beta = 0f };
                Run(slice, ws[thread]);
            });
            for (int part = 1; part < parts; part++)
                for (int i = 0; i < m; i++)
                {
                    var row = new Span<float>(pr.C + i * pr.Ldc, n);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(partials + ((nint)(part - 1) * m + i) * n, n), row);
                }
        }
        finally
        {
            NativeMemory.AlignedFree(partials);
        }
    }

    // Single-threaded BLIS loop nest over one block of C. SkipLocalsInit: the edge tile is always written
    // (beta = 0) before it is read, so zeroing its 1.5 KiB on every call would be wasted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Run(in Problem pr, Workspace ws)
    {
        int mr = MR, nr = NR;
        int mb = Math.Min(MB, RoundUp(pr.M, mr));
        int kcMax = Math.Min(KC, pr.K);
        int nbMax = Math.Min(NB, RoundUp(pr.N, nr));
        bool inPlace = ReadsBInPlace(pr.TransB, pr.M, pr.Ldb);
        bool transA = pr.TransA;
        ws.Ensure(mb * kcMax, (inPlace ? nr : nbMax) * kcMax);
        float* edge = stackalloc float[mr * nr];
        for (int pc = 0; pc < pr.K; pc += KC)
        {
            int kc = Math.Min(KC, pr.K - pc);
            float beta = pc == 0 ? pr.Beta : 1f;
            for (int ic = 0; ic < pr.M; ic += MB)
            {
                int mRows = Math.Min(MB, pr.M - ic);
                int mTiles = (mRows + mr - 1) / mr;
                // With AVX-512 a block of 12q + 4 rows (M = 100, 1024, ...) ends in two 8-row tiles instead of a
                // 12-row tile and a 4-row one: the 4×32 kernel does a third of the 12×32's work per loaded B vector.
                bool eightEight = Best == Isa.Avx512 && mTiles >= 2 && mRows % mr == 4;
                // Full tiles of A are read in place by the AVX-512 kernels (ReadsAInPlace); the other tiles are packed.
                bool rowsA = ReadsAInPlace(pr.TransA, pr.Alpha, pr.Lda);
                if (transA && !rowsA && Best == Isa.Avx512)
                {
                    PackATransposed(pr, ic, mRows, mTiles, eightEight, pc, kc, ws.A);
                }
                else
                {
                    for (int t = 0; t < mTiles; t++)
                        if (!rowsA || !InPlaceTile(t))
                            PackA(pr, ic + TileStart(t), TileRows(t), pc, kc, ws.A + (nint)t * mr * kc);
                }
                for (int jc = 0; jc < pr.N; jc += NB)
                {
                    int nCols = Math.Min(NB, pr.N - jc);
                    int nPanels = (nCols + nr - 1) / nr;
                    if (!inPlace && !pr.TransB)
                    {
                        PackBRows(pr, pc, kc, jc, nCols, ws.B);
                    }
                    else if (!inPlace)
                    {
                        for (int j = 0; j < nPanels; j++)
                            PackB(pr, pc, kc, jc + j * nr, Math.Min(nr, nCols - j * nr), ws.B + (nint)j * nr * kc);
                    }
                    else if (nCols % nr != 0)
                    {
                        PackB(pr, pc, kc, jc + (nPanels - 1) * nr, nCols % nr, ws.B);
                    }
                    for (int t = 0; t < mTiles; t++)
                    {
                        int rows = TileRows(t);
                        float* aPanel = ws.A + (nint)t * mr * kc;
                        for (int j = 0; j < nPanels; j++)
                        {
                            int cols = Math.Min(nr, nCols - j * nr);
                            float* cTile = pr.C + (ic + TileStart(t)) * pr.Ldc + jc + j * nr;
                            float* bPanel;
                            nint ldb;
                            if (!inPlace)
                            {
                                bPanel = ws.B + (nint)j * nr * kc;
                                ldb = nr;
                            }
                            else if (cols == nr)
                            {
                                bPanel = pr.B + pc * pr.Ldb + jc + j * nr;
                                ldb = pr.Ldb;
                            }
                            else
                            {
                                bPanel = ws.B;
                                ldb = nr;
                            }
                            if (rowsA && InPlaceTile(t))
                            {
                                // A tile read in place (it was not packed): straight into C, or through the edge buffer
                                // for a last panel narrower than NR (its B panel is zero-padded).
                                int row0 = ic + TileStart(t);
                                bool narrow = cols <= 16;
                                float* target = cols == nr ? cTile : edge;
                                nint ldt = cols == nr ? pr.Ldc : nr;
                                float tileBeta = cols == nr ? beta : 0f;
                                if (rows == 8)
                                {
                                    SgemmMicroKernels.Kernel8x32Rows(kc, pr.A + row0 * pr.Lda + pc, pr.Lda, bPanel, ldb, target, ldt, tileBeta);
                                }
                                else if (pr.TransA)
                                {
                                    float* aCols = pr.A + pc * pr.Lda + row0;
                                    if (narrow) SgemmMicroKernels.Kernel12x16T(kc, aCols, pr.Lda, bPanel, ldb, target, ldt, tileBeta);
                                    else SgemmMicroKernels.Kernel12x32T(kc, aCols, pr.Lda, bPanel, ldb, target, ldt, tileBeta);
                                }
                                else
                                {
                                    float* aRows = pr.A + row0 * pr.Lda + pc;
                                    if (narrow) SgemmMicroKernels.Kernel12x16Rows(kc, aRows, pr.Lda, bPanel, ldb, target, ldt, tileBeta);
                                    else SgemmMicroKernels.Kernel12x32Rows(kc, aRows, pr.Lda, bPanel, ldb, target, ldt, tileBeta);
                                }
                                if (cols != nr) MergeEdge(edge, nr, rows, cols, cTile, pr.Ldc, beta);
                            }
                            else if (rows == mr && cols == nr)
                            {
                                MicroKernel(kc, aPanel, bPanel, ldb, cTile, pr.Ldc, beta);
                            }
                            else if (Best == Isa.Avx512 && cols == nr && rows <= 8)
                            {
                                // Last rows of C: a shorter kernel instead of multiplying padded zero rows.
                                bool exact = rows is 4 or 8;
                                float* target = exact ? cTile : edge;
                                nint ldt = exact ? pr.Ldc : nr;
                                float tileBeta = exact ? beta : 0f;
                                if (rows <= 4) SgemmMicroKernels.Kernel4x32(kc, aPanel, bPanel, ldb, target, ldt, tileBeta);
                                else SgemmMicroKernels.Kernel8x32(kc, aPanel, bPanel, ldb, target, ldt, tileBeta);
                                if (!exact) MergeEdge(edge, nr, rows, cols, cTile, pr.Ldc, beta);
                            }
                            else if (Best == Isa.Avx512 && cols <= 16)
                            {
                                // A last panel of at most 16 columns: half the 12×32 kernel's work, none of it on padding.
                                if (rows == mr && cols == 16)
                                {
                                    SgemmMicroKernels.Kernel12x16(kc, aPanel, bPanel, ldb, cTile, pr.Ldc, beta);
                                }
                                else
                                {
                                    SgemmMicroKernels.Kernel12x16(kc, aPanel, bPanel, ldb, edge, nr, 0f);
                                    MergeEdge(edge, nr, rows, cols, cTile, pr.Ldc, beta);
                                }
                            }
                            else
                            {
                                MicroKernel(kc, aPanel, bPanel, ldb, edge, nr, 0f);
                                MergeEdge(edge, nr, rows, cols, cTile, pr.Ldc, beta);
                            }
                        }
                    }
                }

                int TileStart(int t) => eightEight && t == mTiles - 1 ? (mTiles - 2) * mr + 8 : t * mr;
                // With A read in place: full tiles, and 8-row tiles of an untransposed A.
                bool InPlaceTile(int t) => TileRows(t) == mr || TileRows(t) == 8 && !transA;
                int TileRows(int t) => eightEight && t >= mTiles - 2 ? 8 : Math.Min(mr, mRows - t * mr);
            }
        }
    }

    // Untransposed A with alpha = 1 needs no transpose if the kernel broadcasts straight from its rows
    // (Kernel12x32Rows: twelve row streams instead of one packed panel). Packing it cost ≈ 10 % of a 64³ product
    // and a few % of the engine's 100×3200×800; in place, 64³ went 0.81 → 0.88× OpenBLAS, 96³ 0.88 → 0.97,
    // 100×3200×800 1.02–1.07 → 1.10–1.12, large shapes unchanged. Not when lda is a multiple of 4 KiB (the twelve
    // rows would share cache sets, as with B).
    // Stored transposed, A's row k already holds a tile's 12 values side by side: Kernel12x32T reads them lda
    // apart instead of from a copied panel (3200×100×800 TN 1.02–1.06 → 1.04–1.07, 300³ TN 0.97–0.99 → 1.04).
    private static bool ReadsAInPlace(bool transA, float alpha, nint lda)
        => Best == Isa.Avx512 && alpha == 1f && lda % 1024 != 0;

    // Untransposed B already holds NR contiguous values per k, so with few rows of A to reuse a packed copy
    // it is read in place (a ragged last panel is still packed, zero-padded). Not when its row stride is a
    // multiple of 4 KiB: the rows of a panel would then share a handful of cache sets and evict each other.
    private static bool ReadsBInPlace(bool transB, int m, nint ldb) => !transB && m <= 16 * MR && ldb % 1024 != 0;

    private static double Ceil(int count, int parts) => (count + parts - 1) / parts;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float beta)
    {
        if (Best == Isa.Avx512) SgemmMicroKernels.Kernel12x32(kc, a, b, ldb, c, ldc, beta);
        else if (Best == Isa.Avx2) SgemmMicroKernels.Kernel6x16(kc, a, b, ldb, c, ldc, beta);
        else SgemmMicroKernels.Kernel4x8(kc, a, b, ldb, c, ldc, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeEdge(float* tile, int ldt, int rows, int cols, float* c, nint ldc, float beta)
    {
        if (Avx512F.IsSupported && ldt % 16 == 0)
        {
            // Sixteen columns per masked store (the tile buffer is whole vectors; C is touched only in its columns).
            var b = Vector512.Create(beta);
            for (int c0 = 0; c0 < cols; c0 += 16)
            {
                var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols - c0)).AsSingle();
                for (int r = 0; r < rows; r++)
                {
                    float* dst = c + r * ldc + c0;
                    var v = Vector512.Load(tile + r * ldt + c0);
                    if (beta != 0f) v = Vector512.FusedMultiplyAdd(b, Avx512F.MaskLoad(dst, mask, Vector512<float>.Zero), v);
                    Avx512F.MaskStore(dst, mask, v);
                }
            }
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            float* src = tile + r * ldt;
            float* dst = c + r * ldc;
            if (beta == 0f) for (int j = 0; j < cols; j++) dst[j] = src[j];
            else if (beta == 1f) for (int j = 0; j < cols; j++) dst[j] += src[j];
            else for (int j = 0; j < cols; j++) dst[j] = beta * dst[j] + src[j];
        }
    }

    // dst[p·MR + r] = alpha·A(row0 + r, p0 + p); rows beyond `rows` are zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(in Problem pr, int row0, int rows, int p0, int kc, float* dst)
    {
        int mr = MR;
        float alpha = pr.Alpha;
        if (!pr.TransA)
        {
            Transpose(pr.A + row0 * pr.Lda + p0, pr.Lda, rows, kc, alpha, dst, mr);
        }
        else
        {
            var scale = Vector128.Create(alpha);
            for (int p = 0; p < kc; p++)
            {
                float* src = pr.A + (p0 + p) * pr.Lda + row0;
                float* d = dst + p * mr;
                int r = 0;
                if (Vector128.IsHardwareAccelerated)
                    for (; r + 4 <= rows; r += 4) (Vector128.Load(src + r) * scale).Store(d + r);
                for (; r < rows; r++) d[r] = alpha * src[r];
            }
        }
        if (rows < mr) ZeroRows(dst, rows, mr, kc);
    }

    // A stored transposed (AVX-512, MR = 12), all tiles of a block of rows [row0, row0 + mRows): row p of A's storage
    // holds the block's values side by side, so it is read left to right, eight tiles (96 values) at a time, and
    // each tile's 12 (or 8) values go to its panel (dst[t·12·kc + p·12 + r] = alpha·A(p0 + p, row0 + TileStart(t) + r),
    // zeros past the tile's rows). Packing tile by tile read 12 values per row of A, 4 KiB apart when lda = 1024: a
    // cache set conflict on every row and the same lines again for the next tile (PackA was ≈ 4 % of 1024³ TN,
    // this ≈ 2.5 %). All the block's panels at once would write up to 1 MiB, more than L2.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackATransposed(in Problem pr, int row0, int mRows, int mTiles, bool eightEight, int p0, int kc, float* dst)
    {
        const int mr = 12;
        var scale = Vector512.Create(pr.Alpha);
        var keep = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(mr)).AsSingle();
        var keep8 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(8)).AsSingle();
        int full = eightEight ? mTiles - 2 : mRows / mr;
        int last = mRows - full * mr;
        var lastMask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(Math.Min(last, mr))).AsSingle();
        nint panel = (nint)mr * kc;
        for (int t0 = 0; t0 < full; t0 += 8)
        {
            int t1 = Math.Min(full, t0 + 8);
            for (int p = 0; p < kc; p++)
            {
                float* src = pr.A + (p0 + p) * pr.Lda + row0 + t0 * mr;
                float* d = dst + t0 * panel + p * mr;
                for (int t = t0; t < t1; t++, src += mr, d += panel)
                {
                    // Masked: the last tile's 12 values may end A's storage.
                    var v = Avx512F.MaskLoad(src, keep, Vector512<float>.Zero) * scale;
                    v.GetLower().Store(d);
                    v.GetUpper().GetLower().Store(d + 8);
                }
            }
        }
        if (!eightEight && last == 0) return;
        float* tail = dst + full * panel;
        for (int p = 0; p < kc; p++)
        {
            float* src = pr.A + (p0 + p) * pr.Lda + row0 + full * mr;
            float* d = tail + p * mr;
            if (eightEight)
            {
                // Two 8-row tiles: 8 values and four zeros each.
                Avx512F.MaskStore(d, keep, Avx512F.MaskLoad(src, keep8, Vector512<float>.Zero) * scale);
                Avx512F.MaskStore(d + panel, keep, Avx512F.MaskLoad(src + 8, keep8, Vector512<float>.Zero) * scale);
            }
            else
            {
                Avx512F.MaskStore(d, keep, Avx512F.MaskLoad(src, lastMask, Vector512<float>.Zero) * scale);
            }
        }
    }

    // Rows [rows, mr) of a packed A panel set to zero (a last tile shorter than MR). The 8-row tile of AVX-512
    // (mr = 12) clears its four padding floats per k with one store.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ZeroRows(float* dst, int rows, int mr, int kc)
    {
        if (mr - rows == 4 && Vector128.IsHardwareAccelerated)
        {
            for (int p = 0; p < kc; p++) Vector128<float>.Zero.Store(dst + p * mr + rows);
            return;
        }
        for (int p = 0; p < kc; p++)
            for (int r = rows; r < mr; r++) dst[p * mr + r] = 0f;
    }

    // Untransposed B, a whole block of nCols columns: row p of the block's full panels is read once, left to
    // right, and scattered into the panels (dst[j·NR·kc + p·NR + c] = B(p0 + p, col0 + j·NR + c)). Reading each panel down
    // its column instead (a short copy per row, 4 KiB apart when ldb = 1024) misses the TLB and the prefetcher.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBRows(in Problem pr, int p0, int kc, int col0, int nCols, float* dst)
    {
        int nr = NR;
        int full = nCols / nr, rest = nCols - full * nr;
        nint panel = (nint)nr * kc;
        for (int p = 0; p < kc; p++)
        {
            float* src = pr.B + (p0 + p) * pr.Ldb + col0;
            float* d = dst + p * nr;
            if (nr == 32 && Vector512.IsHardwareAccelerated)
            {
                for (int j = 0; j < full; j++)
                {
                    Vector512.Load(src + j * 32).Store(d + j * panel);
                    Vector512.Load(src + j * 32 + 16).Store(d + j * panel + 16);
                }
            }
            else if (nr == 16 && Vector256.IsHardwareAccelerated)
            {
                for (int j = 0; j < full; j++)
                {
                    Vector256.Load(src + j * 16).Store(d + j * panel);
                    Vector256.Load(src + j * 16 + 8).Store(d + j * panel + 8);
                }
            }
            else
            {
                for (int j = 0; j < full; j++)
                    Buffer.MemoryCopy(src + j * nr, d + j * panel, nr * sizeof(float), nr * sizeof(float));
            }
        }
        // The ragged last panel, zero-padded.
        if (rest > 0) PackB(pr, p0, kc, col0 + full * nr, rest, dst + full * panel);
    }

    // dst[p·NR + j] = B(p0 + p, col0 + j); columns beyond `cols` are zero.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(in Problem pr, int p0, int kc, int col0, int cols, float* dst)
    {
        int nr = NR;
        if (!pr.TransB && nr == 32 && Avx512F.IsSupported)
        {
            // Two masked loads per row: the row's `cols` values, zeros beyond (no call per row, no second pass).
            var m0 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols)).AsSingle();
            var m1 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols - 16)).AsSingle();
            float* src = pr.B + p0 * pr.Ldb + col0;
            for (int p = 0; p < kc; p++, src += pr.Ldb)
            {
                Avx512F.MaskLoad(src, m0, Vector512<float>.Zero).Store(dst + p * 32);
                Avx512F.MaskLoad(src + 16, m1, Vector512<float>.Zero).Store(dst + p * 32 + 16);
            }
            return;
        }
        if (!pr.TransB)
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = pr.B + (p0 + p) * pr.Ldb + col0;
                Buffer.MemoryCopy(src, dst + p * nr, nr * sizeof(float), cols * sizeof(float));
            }
        }
        else
        {
            Transpose(pr.B + col0 * pr.Ldb + p0, pr.Ldb, cols, kc, 1f, dst, nr);
        }
        if (cols < nr)
            for (int p = 0; p < kc; p++)
                for (int j = cols; j < nr; j++) dst[p * nr + j] = 0f;
    }

    // dst[p·dstStride + r] = scale·src[r·ld + p] for r < rows, p < kc: a rows×kc block turned k-major,
    // 8×8 blocks with AVX shuffles, then 4×4 blocks with SSE, scalar for what is left.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transpose(float* src, nint ld, int rows, int kc, float scale, float* dst, int dstStride)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            if (scale == 1f) r = Transpose8<NoScale>(src, ld, rows, kc, 1f, dst, dstStride);
            else r = Transpose8<Scale>(src, ld, rows, kc, scale, dst, dstStride);
        }
        if (Sse.IsSupported)
        {
            var s = Vector128.Create(scale);
            for (; r + 4 <= rows; r += 4)
            {
                float* s0 = src + r * ld;
                int p = 0;
                if (Avx.IsSupported)
                {
                    p = scale == 1f ? Transpose4x8<NoScale>(s0, ld, kc, 1f, dst + r, dstStride)
                        : Transpose4x8<Scale>(s0, ld, kc, scale, dst + r, dstStride);
                }
                for (; p + 4 <= kc; p += 4)
                {
                    float* sp = s0 + p;
                    var r0 = Sse.LoadVector128(sp);
                    var r1 = Sse.LoadVector128(sp + ld);
                    var r2 = Sse.LoadVector128(sp + 2 * ld);
                    var r3 = Sse.LoadVector128(sp + 3 * ld);
                    var t0 = Sse.UnpackLow(r0, r1);
                    var t1 = Sse.UnpackLow(r2, r3);
                    var t2 = Sse.UnpackHigh(r0, r1);
                    var t3 = Sse.UnpackHigh(r2, r3);
                    float* d = dst + p * dstStride + r;
                    Sse.Store(d, Sse.MoveLowToHigh(t0, t1) * s);
                    Sse.Store(d + dstStride, Sse.MoveHighToLow(t1, t0) * s);
                    Sse.Store(d + 2 * dstStride, Sse.MoveLowToHigh(t2, t3) * s);
                    Sse.Store(d + 3 * dstStride, Sse.MoveHighToLow(t3, t2) * s);
                }
                for (; p < kc; p++)
                    for (int i = 0; i < 4; i++) dst[p * dstStride + r + i] = scale * s0[i * ld + p];
            }
        }
        for (; r < rows; r++)
            for (int p = 0; p < kc; p++) dst[p * dstStride + r] = scale * src[r * ld + p];
    }

    private interface IScaling { static abstract Vector256<float> Apply(Vector256<float> x, Vector256<float> s); }
    private struct NoScale : IScaling { public static Vector256<float> Apply(Vector256<float> x, Vector256<float> s) => x; }
    private struct Scale : IScaling { public static Vector256<float> Apply(Vector256<float> x, Vector256<float> s) => x * s; }

    // The 8-row blocks of Transpose: an 8×8 block per step (unpack, shuffle, swap 128-bit halves), the next
    // lines of the eight source rows prefetched (they are a row stride apart, too many streams for the
    // hardware prefetcher when B is transposed). Returns the rows done.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Transpose8<TScale>(float* src, nint ld, int rows, int kc, float scale, float* dst, int dstStride)
        where TScale : struct, IScaling
    {
        var s = Vector256.Create(scale);
        nint ds = dstStride;
        int r = 0;
        for (; r + 8 <= rows; r += 8)
        {
            float* s0 = src + r * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld, s4 = s3 + ld, s5 = s4 + ld, s6 = s5 + ld, s7 = s6 + ld;
            float* d = dst + r;
            int p = 0;
            for (; p + 8 <= kc; p += 8)
            {
                if ((p & 15) == 0)
                {
                    Sse.Prefetch0(s0 + p + 64); Sse.Prefetch0(s1 + p + 64); Sse.Prefetch0(s2 + p + 64); Sse.Prefetch0(s3 + p + 64);
                    Sse.Prefetch0(s4 + p + 64); Sse.Prefetch0(s5 + p + 64); Sse.Prefetch0(s6 + p + 64); Sse.Prefetch0(s7 + p + 64);
                }
                var r0 = Avx.LoadVector256(s0 + p);
                var r1 = Avx.LoadVector256(s1 + p);
                var r2 = Avx.LoadVector256(s2 + p);
                var r3 = Avx.LoadVector256(s3 + p);
                var r4 = Avx.LoadVector256(s4 + p);
                var r5 = Avx.LoadVector256(s5 + p);
                var r6 = Avx.LoadVector256(s6 + p);
                var r7 = Avx.LoadVector256(s7 + p);
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                var t4 = Avx.UnpackLow(r4, r5);
                var t5 = Avx.UnpackHigh(r4, r5);
                var t6 = Avx.UnpackLow(r6, r7);
                var t7 = Avx.UnpackHigh(r6, r7);
                var u0 = Avx.Shuffle(t0, t2, 0x44);
                var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44);
                var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44);
                var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44);
                var u7 = Avx.Shuffle(t5, t7, 0xEE);
                Avx.Store(d, TScale.Apply(Avx.Permute2x128(u0, u4, 0x20), s));
                Avx.Store(d + ds, TScale.Apply(Avx.Permute2x128(u1, u5, 0x20), s));
                Avx.Store(d + 2 * ds, TScale.Apply(Avx.Permute2x128(u2, u6, 0x20), s));
                Avx.Store(d + 3 * ds, TScale.Apply(Avx.Permute2x128(u3, u7, 0x20), s));
                Avx.Store(d + 4 * ds, TScale.Apply(Avx.Permute2x128(u0, u4, 0x31), s));
                Avx.Store(d + 5 * ds, TScale.Apply(Avx.Permute2x128(u1, u5, 0x31), s));
                Avx.Store(d + 6 * ds, TScale.Apply(Avx.Permute2x128(u2, u6, 0x31), s));
                Avx.Store(d + 7 * ds, TScale.Apply(Avx.Permute2x128(u3, u7, 0x31), s));
                d += 8 * ds;
            }
            for (; p < kc; p++)
                for (int i = 0; i < 8; i++) dst[p * dstStride + r + i] = scale * s0[i * ld + p];
        }
        return r;
    }

    // Four rows of Transpose, eight k at a time: each 128-bit half of the shuffled vectors is one k's four
    // values. Returns the k done.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Transpose4x8<TScale>(float* s0, nint ld, int kc, float scale, float* d, int dstStride)
        where TScale : struct, IScaling
    {
        var s = Vector256.Create(scale);
        nint ds = dstStride;
        float* s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            if ((p & 15) == 0)
            {
                Sse.Prefetch0(s0 + p + 64); Sse.Prefetch0(s1 + p + 64); Sse.Prefetch0(s2 + p + 64); Sse.Prefetch0(s3 + p + 64);
            }
            var r0 = Avx.LoadVector256(s0 + p);
            var r1 = Avx.LoadVector256(s1 + p);
            var r2 = Avx.LoadVector256(s2 + p);
            var r3 = Avx.LoadVector256(s3 + p);
            var t0 = Avx.UnpackLow(r0, r1);
            var t1 = Avx.UnpackLow(r2, r3);
            var t2 = Avx.UnpackHigh(r0, r1);
            var t3 = Avx.UnpackHigh(r2, r3);
            var u0 = TScale.Apply(Avx.Shuffle(t0, t1, 0x44), s); // k = p and p + 4
            var u1 = TScale.Apply(Avx.Shuffle(t0, t1, 0xEE), s); // p + 1, p + 5
            var u2 = TScale.Apply(Avx.Shuffle(t2, t3, 0x44), s); // p + 2, p + 6
            var u3 = TScale.Apply(Avx.Shuffle(t2, t3, 0xEE), s); // p + 3, p + 7
            u0.GetLower().Store(d);
            u1.GetLower().Store(d + ds);
            u2.GetLower().Store(d + 2 * ds);
            u3.GetLower().Store(d + 3 * ds);
            u0.GetUpper().Store(d + 4 * ds);
            u1.GetUpper().Store(d + 5 * ds);
            u2.GetUpper().Store(d + 6 * ds);
            u3.GetUpper().Store(d + 7 * ds);
            d += 8 * ds;
        }
        return p;
    }

    private static (int, int) Share(int count, int thread, int threads)
        => ((int)((long)count * thread / threads), (int)((long)count * (thread + 1) / threads));

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
