// The default IBlas: pure managed, no native library. SGEMM runs the packed-panel kernel
// (SgemmPacked: AVX-512, AVX2+FMA or Vector128 micro-kernels); dimensions 1–4 with dense matrices, inline scalar
// loops in Sgemm itself (A and B untransposed with four columns: Vector128 rows, first in SgemmChecked); small
// untransposed products (≤ 16 rows, 2–15 columns, K ≤ 16, AVX-512) by broadcasts straight from the argument check
// (GemmNarrow.Small); up to 64 multiply-adds, or without SIMD, the direct loops; a single column or row of C
// is a matrix-vector product (Sgemv), a C narrower than half a panel (or a narrow single row) has its own forms
// (GemmNarrow), a K of at most 4 is one pass over C (GemmShortK), a C with fewer rows than a tile is built from
// broadcasts or dot products (GemmNarrow.FewRows, DotRows), and a small single-threaded product reads A and B in
// place with no workspace (SgemmPacked.GemmInPlace); multi-threaded only when the work pays for waking a thread.
// DGEMM (gradient checks) uses the direct loops for every size.
using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Blas;

public sealed unsafe class ManagedBlas : IBlas, IDisposable
{
    /// <summary>Below this many multiply-adds a second thread costs more than it saves (a wake-up is ~10 µs).</summary>
    internal const long ParallelMinWork = 1L << 21;

    // Packing buffers per call: one slot taken and returned with an atomic exchange (the common case, one caller),
    // the bag for callers that run concurrently. The bag alone cost ≈ 2 % of a 64³ product.
    private SgemmPacked.Workspace[]? _workspace;
    private readonly ConcurrentBag<SgemmPacked.Workspace[]> _workspaces = new();
    private readonly object _teamLock = new();
    private GemmThreadTeam? _team;
    private int _threads;

    public ManagedBlas(int threads = 0)
    {
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
    }

    public string Name => "managed";

    public int Threads
    {
        get => _threads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_teamLock)
            {
                if (value == _threads) return;
                _team?.Dispose();
                _team = null;
                _threads = value;
            }
        }
    }

    /// <summary>The micro-kernel in use: "AVX-512 12×32", "AVX2+FMA 6×16", "Vector128 4×8" or "scalar".</summary>
    public static string KernelDescription => !SgemmPacked.IsAccelerated ? "none: direct scalar loops (hardware intrinsics off)"
        : SgemmPacked.Best switch
        {
            SgemmPacked.Isa.Avx512 => $"AVX-512 FMA {SgemmPacked.MR}×{SgemmPacked.NR}",
            SgemmPacked.Isa.Avx2 => $"AVX2+FMA {SgemmPacked.MR}×{SgemmPacked.NR}",
            _ => $"Vector128 {SgemmPacked.MR}×{SgemmPacked.NR}",
        };

    public string Describe() => $"managed: packed-panel SGEMM, micro-kernel {KernelDescription}, {Threads} thread(s)";

    // Optimised at first call, without tiering: the tiered, profile-instrumented versions of this entry cost
    // ~20 ns a call, more than a 1×1×1 product itself. A product with every dimension 1–4 and dense matrices is
    // checked and computed here (GemmDirect.TryTinyDense, one copy per transpose pair so that its strides are
    // constants); everything else goes to the checked entry below.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (GemmDirect.IsTiny(m, n, k) && ldc == n && m * n <= c.Length)
        {
            if (transA == Transpose.No)
            {
                // Four columns with SIMD: SgemmChecked's first test (a call of its own here made 1×1×1 cost 0.5–0.8 ns more).
                if (transB == Transpose.No)
                {
                    if ((n != 4 || !Vector128.IsHardwareAccelerated) && GemmDirect.TryTinyDense(false, false, m, n, k, alpha, a, lda, b, ldb, beta, c)) return;
                }
                else if (transB == Transpose.Yes) { if (GemmDirect.TryTinyDense(false, true, m, n, k, alpha, a, lda, b, ldb, beta, c)) return; }
            }
            else if (transA == Transpose.Yes)
            {
                if (transB == Transpose.No) { if (GemmDirect.TryTinyDense(true, false, m, n, k, alpha, a, lda, b, ldb, beta, c)) return; }
                else if (transB == Transpose.Yes) { if (GemmDirect.TryTinyDense(true, true, m, n, k, alpha, a, lda, b, ldb, beta, c)) return; }
            }
        }
        SgemmChecked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    // The full argument check (naming the faulty argument) and the choice of path. Kept out of Sgemm so the tiny dense
    // products above pay for neither.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void SgemmChecked(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        // The tiny dense products with A and B untransposed and four columns that Sgemm leaves here (with SIMD); they
        // check their own lengths.
        if (n == 4 && ((int)transA | (int)transB) == 0 && GemmDirect.IsTiny(m, n, k) && ldc == 4 && m * 4 <= c.Length
            && Vector128.IsHardwareAccelerated && GemmDirect.TryTinyDenseFourColumns(m, k, alpha, a, lda, b, ldb, beta, c))
            return;
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (alpha != 0f && GemmNarrow.TakesSmall(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k))
        {
            SmallPath(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        long work = (long)m * n * k;
        if (work <= GemmDirect.ScalarMaxWork)
        {
            GemmDirect.Scalar(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        if (m == 0 || n == 0) return;
        bool accelerated = SgemmPacked.IsAccelerated && k > 0 && alpha != 0f;
        if (n == 1 && accelerated)
        {
            SgemvPath(transA == Transpose.Yes, transB == Transpose.Yes, m, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
            return;
        }
        if (m == 1 && accelerated && !(transB == Transpose.No && GemmNarrow.Takes(m, n, transA == Transpose.Yes, false)))
        {
            // One row of C: its transpose is a matrix-vector product, C^T = op(B)^T·op(A)^T, with op(B)^T
            // stored as B (untransposed when B is stored transposed) and op(A)^T the row of A.
            SgemvPath(transB == Transpose.No, transA == Transpose.No, n, k, alpha, b, ldb, a, lda, beta, c, 1, work);
            return;
        }
        if (!accelerated)
        {
            GemmDirect.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        bool narrow = GemmNarrow.Takes(m, n, transA == Transpose.Yes, transB == Transpose.Yes);
        bool oneThread = work < ParallelMinWork || _threads == 1;
        if (narrow || GemmShortK.Takes(transB == Transpose.Yes, n, k))
        {
            RowsPath(!narrow, transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
            return;
        }
        if (oneThread && GemmNarrow.TakesFewRows(m)
            && (transB == Transpose.No || (long)k * n <= TransposedBMaxFloats))
        {
            FewRowsPath(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        if (oneThread && SgemmPacked.ComputesInPlace(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, lda, ldb))
        {
            InPlacePath(transA == Transpose.Yes, m, n, k, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        // B stored transposed: once turned row-major (k×n, a few cycles per 8×8 block) the same in-place path applies.
        if (oneThread && transB == Transpose.Yes && (long)k * n <= TransposedBMaxFloats
            && SgemmPacked.ComputesInPlace(transA == Transpose.Yes, false, m, n, k, alpha, lda, RowMajorStride(n)))
        {
            InPlaceTransposedBPath(transA == Transpose.Yes, m, n, k, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        SgemmPackedPath(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
    }

    /// <summary>A transposed B up to this many floats (256 KiB) is turned row-major for the in-place path.</summary>
    private const long TransposedBMaxFloats = 64 * 1024;

    // Row stride of B turned row-major: n, or n + 16 when n·4 bytes is a multiple of 512: the rows of a 32-column
    // panel would then fall in an eighth of L1's sets and evict each other (128³ NT ran at 1.00× OpenBLAS, 1.21 padded).
    private static int RowMajorStride(int n) => n % 128 == 0 ? n + 16 : n;

    // C = op(A)·B + beta·C with B stored transposed: B^T copied row-major into a pooled buffer (SIMD 8×8 transposes),
    // then the in-place path.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void InPlaceTransposedBPath(bool transA, int m, int n, int k, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        int ldr = RowMajorStride(n);
        float[] rowMajor = ArrayPool<float>.Shared.Rent(k * ldr);
        try
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pr = rowMajor)
            fixed (float* pc = c)
            {
                // pr[p·ldr + j] = B[j·ldb + p] = op(B)[p, j]
                SgemmPacked.Transpose(pb, ldb, n, k, 1f, pr, ldr);
                SgemmPacked.GemmInPlace(transA, m, n, k, pa, lda, pr, ldr, beta, pc, ldc);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rowMajor);
        }
    }

    // A single-threaded C with fewer rows than a tile (GemmNarrow.FewRows). B stored transposed: with A untransposed
    // dot products of rows read in place (GemmNarrow.DotRows; turning B row-major cost more than 4×64×64 NT itself),
    // with A transposed too, B first turned row-major into a pooled buffer, as for the in-place path.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FewRowsPath(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        int ldr = RowMajorStride(n);
        float[]? rowMajor = transB && (transA || m > 4) ? ArrayPool<float>.Shared.Rent(k * ldr) : null;
        try
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pr = rowMajor)
            fixed (float* pc = c)
            {
                if (transB && !transA && m <= 4)
                {
                    GemmNarrow.DotRows(m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                    return;
                }
                if (transB) SgemmPacked.Transpose(pb, ldb, n, k, 1f, pr, ldr);
                GemmNarrow.FewRows(transA, m, n, k, alpha, pa, lda, transB ? pr : pb, transB ? ldr : ldb, beta, pc, ldc);
            }
        }
        finally
        {
            if (rowMajor is not null) ArrayPool<float>.Shared.Return(rowMajor);
        }
    }

    // A small product with A and B untransposed (GemmNarrow.TakesSmall): rows of C from broadcasts of A against B's
    // rows read in place (GemmNarrow.Small), straight from the checked entry (no team, no workspace, no packing).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void SmallPath(int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            GemmNarrow.Small(m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    // A single-threaded C whose tiles all read A and B in place (SgemmPacked.ComputesInPlace): no workspace.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void InPlacePath(bool transA, int m, int n, int k, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            SgemmPacked.GemmInPlace(transA, m, n, k, pa, lda, pb, ldb, beta, pc, ldc);
    }

    // Pinning and workspaces live here, out of the paths for small products.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void SgemmPackedPath(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, long work)
    {
        var ws = Interlocked.Exchange(ref _workspace, null);
        if ((ws is null && !_workspaces.TryTake(out ws)) || ws.Length < _threads)
            ws = Enumerable.Range(0, _threads).Select(_ => new SgemmPacked.Workspace()).ToArray();
        try
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                var team = TakeTeam(work >= ParallelMinWork);
                try
                {
                    SgemmPacked.Gemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ws, team);
                }
                finally
                {
                    ReleaseTeam(team);
                }
            }
        }
        finally
        {
            if (Interlocked.CompareExchange(ref _workspace, ws, null) is not null) _workspaces.Add(ws);
        }
    }

    // One column of C: a matrix-vector product (Sgemv), threaded like the packed path.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void SgemvPath(bool transA, bool transB, int m, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, long work)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var team = TakeTeam(work >= ParallelMinWork);
            try
            {
                Sgemv.Run(transA, transB, m, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, team);
            }
            finally
            {
                ReleaseTeam(team);
            }
        }
    }

    // A narrow C (GemmNarrow) or a short K (GemmShortK): rows of C shared between the threads when there are
    // rows for each.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void RowsPath(bool shortK, bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, long work)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var team = TakeTeam(work >= ParallelMinWork && m >= 2 * _threads);
            try
            {
                if (shortK) GemmShortK.Run(transA, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, team);
                else GemmNarrow.Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, team);
            }
            finally
            {
                ReleaseTeam(team);
            }
        }
    }

    // The thread team for a call worth threads, or null: one thread, too little work, or another call holds
    // the team (this one then runs on its own thread). A team taken here goes back through ReleaseTeam.
    private GemmThreadTeam? TakeTeam(bool worthThreads)
    {
        if (_threads == 1 || !worthThreads || !Monitor.TryEnter(_teamLock)) return null;
        return _team ??= new GemmThreadTeam(_threads);
    }

    private void ReleaseTeam(GemmThreadTeam? team)
    {
        if (team is not null) Monitor.Exit(_teamLock);
    }

    public void Dgemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda,
        ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        GemmDirect.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    public void Dispose()
    {
        lock (_teamLock)
        {
            _team?.Dispose();
            _team = null;
        }
        if (Interlocked.Exchange(ref _workspace, null) is { } slot) foreach (var w in slot) w.Dispose();
        while (_workspaces.TryTake(out var ws)) foreach (var w in ws) w.Dispose();
    }
}
