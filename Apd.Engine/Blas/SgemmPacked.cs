// Packed-panel SGEMM (the BLIS loop nest), row-major, all four transposes, alpha/beta, leading dimensions.
//   for each block of MB rows of C, each K-slice of KC: pack alpha·A into MR-row panels (k-major);
//     for each block of NB columns: pack B into NR-column panels (k-major), shared by all threads;
//       for each MR-row panel of A (stays in L1), each NR panel of B (streams from L2): micro-kernel.
// Threads split each packing step and then the tiles of the block (by rows or by column panels,
// whichever balances better); B blocks are double-buffered so one barrier per block suffices.
// The first K-slice applies beta (beta = 0 never reads C); later slices accumulate.
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
    public const int KC = 384;
    private static readonly int NB = Best == Isa.Avx512 ? 320 : 256;
    private static readonly int MB = 256 * MR;

    public sealed class Workspace : IDisposable
    {
        public float* A;
        public float* B0;
        public float* B1;
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
                NativeMemory.AlignedFree(B0);
                NativeMemory.AlignedFree(B1);
                B0 = (float*)NativeMemory.AlignedAlloc((nuint)bFloats * sizeof(float), 64);
                B1 = (float*)NativeMemory.AlignedAlloc((nuint)bFloats * sizeof(float), 64);
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
            NativeMemory.AlignedFree(B0);
            NativeMemory.AlignedFree(B1);
            A = B0 = B1 = null;
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
    }

    /// <summary>Caller has validated the arguments and handled m, n = 0 and k = 0 / alpha = 0.</summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc,
        Workspace ws, GemmThreadTeam? team)
    {
        int mb = Math.Min(MB, RoundUp(m, MR));
        int kc = Math.Min(KC, k);
        int nb = Math.Min(NB, RoundUp(n, NR));
        ws.Ensure(RoundUp(mb, MR) * kc, RoundUp(nb, NR) * kc);
        var problem = new Problem
        {
            TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
            A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
        };
        if (team is null || team.Size == 1) Run(problem, ws, null, 0, 1);
        else team.Run(t => Run(problem, ws, team, t, team.Size));
    }

    private static void Run(in Problem pr, Workspace ws, GemmThreadTeam? team, int thread, int threads)
    {
        int mr = MR, nr = NR;
        float* edge = stackalloc float[mr * nr];
        int block = 0;
        for (int ic = 0; ic < pr.M; ic += MB)
        {
            int mRows = Math.Min(MB, pr.M - ic);
            int mTiles = (mRows + mr - 1) / mr;
            for (int pc = 0; pc < pr.K; pc += KC)
            {
                int kc = Math.Min(KC, pr.K - pc);
                float beta = pc == 0 ? pr.Beta : 1f;
                (int t0, int t1) = Share(mTiles, thread, threads);
                for (int t = t0; t < t1; t++)
                    PackA(pr, ic + t * mr, Math.Min(mr, mRows - t * mr), pc, kc, ws.A + (nint)t * mr * kc);
                team?.Barrier();
                for (int jc = 0; jc < pr.N; jc += NB, block++)
                {
                    int nCols = Math.Min(NB, pr.N - jc);
                    int nPanels = (nCols + nr - 1) / nr;
                    float* bPacked = (block & 1) == 0 ? ws.B0 : ws.B1;
                    (int j0, int j1) = Share(nPanels, thread, threads);
                    for (int j = j0; j < j1; j++)
                        PackB(pr, pc, kc, jc + j * nr, Math.Min(nr, nCols - j * nr), bPacked + (nint)j * nr * kc);
                    team?.Barrier();

                    // Split rows or column panels between threads, whichever leaves less idle work.
                    long byRows = (long)((mTiles + threads - 1) / threads) * nPanels;
                    long byCols = (long)mTiles * ((nPanels + threads - 1) / threads);
                    (int r0, int r1, int c0, int c1) = byRows <= byCols
                        ? (Share(mTiles, thread, threads).Item1, Share(mTiles, thread, threads).Item2, 0, nPanels)
                        : (0, mTiles, Share(nPanels, thread, threads).Item1, Share(nPanels, thread, threads).Item2);
                    for (int t = r0; t < r1; t++)
                    {
                        int rows = Math.Min(mr, mRows - t * mr);
                        float* aPanel = ws.A + (nint)t * mr * kc;
                        for (int j = c0; j < c1; j++)
                        {
                            int cols = Math.Min(nr, nCols - j * nr);
                            float* cTile = pr.C + (nint)(ic + t * mr) * pr.Ldc + jc + j * nr;
                            float* bPanel = bPacked + (nint)j * nr * kc;
                            if (rows == mr && cols == nr)
                            {
                                MicroKernel(kc, aPanel, bPanel, cTile, pr.Ldc, beta);
                            }
                            else
                            {
                                MicroKernel(kc, aPanel, bPanel, edge, nr, 0f);
                                MergeEdge(edge, nr, rows, cols, cTile, pr.Ldc, beta);
                            }
                        }
                    }
                }
                team?.Barrier();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        if (Best == Isa.Avx512) SgemmMicroKernels.Kernel12x32(kc, a, b, c, ldc, beta);
        else if (Best == Isa.Avx2) SgemmMicroKernels.Kernel6x16(kc, a, b, c, ldc, beta);
        else SgemmMicroKernels.Kernel4x8(kc, a, b, c, ldc, beta);
    }

    private static void MergeEdge(float* tile, int ldt, int rows, int cols, float* c, nint ldc, float beta)
    {
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
    private static void PackA(in Problem pr, int row0, int rows, int p0, int kc, float* dst)
    {
        int mr = MR;
        float alpha = pr.Alpha;
        if (!pr.TransA)
        {
            for (int r = 0; r < rows; r++)
            {
                float* src = pr.A + (nint)(row0 + r) * pr.Lda + p0;
                for (int p = 0; p < kc; p++) dst[p * mr + r] = alpha * src[p];
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = pr.A + (nint)(p0 + p) * pr.Lda + row0;
                for (int r = 0; r < rows; r++) dst[p * mr + r] = alpha * src[r];
            }
        }
        if (rows < mr)
            for (int p = 0; p < kc; p++)
                for (int r = rows; r < mr; r++) dst[p * mr + r] = 0f;
    }

    // dst[p·NR + j] = B(p0 + p, col0 + j); columns beyond `cols` are zero.
    private static void PackB(in Problem pr, int p0, int kc, int col0, int cols, float* dst)
    {
        int nr = NR;
        if (!pr.TransB)
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = pr.B + (nint)(p0 + p) * pr.Ldb + col0;
                float* d = dst + p * nr;
                if (cols == nr) Unsafe.CopyBlockUnaligned(d, src, (uint)(nr * sizeof(float)));
                else
                {
                    for (int j = 0; j < cols; j++) d[j] = src[j];
                    for (int j = cols; j < nr; j++) d[j] = 0f;
                }
            }
        }
        else
        {
            for (int j = 0; j < cols; j++)
            {
                float* src = pr.B + (nint)(col0 + j) * pr.Ldb + p0;
                for (int p = 0; p < kc; p++) dst[p * nr + j] = src[p];
            }
            if (cols < nr)
                for (int p = 0; p < kc; p++)
                    for (int j = cols; j < nr; j++) dst[p * nr + j] = 0f;
        }
    }

    private static (int, int) Share(int count, int thread, int threads)
        => ((int)((long)count * thread / threads), (int)((long)count * (thread + 1) / threads));

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
