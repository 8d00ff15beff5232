// SGEMM with a short K (k ≤ 4) and B untransposed: each row of C is alpha·Σ_p op(A)[i,p]·B[p,:] + beta·C[i,:],
// all k terms fused into one pass over the row (the k rows of B stay in L1). The packed kernel would spend most
// of each tile on loading and storing C and on packing (500×2×500 ran at 0.75× OpenBLAS). Rows of C are shared
// between the threads.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Apd.Engine.Blas;

internal static unsafe class GemmShortK
{
    /// <summary>The longest K this path takes.</summary>
    public const int MaxK = 4;

    /// <summary>Whether this path takes the product: AVX-512, B untransposed, 1 ≤ k ≤ MaxK, at least a vector of columns.</summary>
    public static bool Takes(bool transB, int n, int k) => Avx512F.IsSupported && !transB && k >= 1 && k <= MaxK && n >= 16;

    /// <summary>C = alpha·op(A)·B + beta·C. Caller has validated, handled m, n = 0 and alpha = 0, and pinned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc, GemmThreadTeam? team)
    {
        int parts = team is null ? 1 : Math.Min(team.Size, m);
        if (parts == 1)
        {
            Rows(0, m, transA, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        RowsThreaded(team!, parts, m, transA, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    // The lambda in its own method: the single-threaded call above allocates no closure.
    private static void RowsThreaded(GemmThreadTeam team, int parts, int m, bool transA, int n, int k, float alpha, float* a, nint lda,
        float* b, nint ldb, float beta, float* c, nint ldc)
        => team.Run(parts, (part, _) =>
            Rows((int)((long)m * part / parts), (int)((long)m * (part + 1) / parts), transA, n, k, alpha, a, lda, b, ldb, beta, c, ldc));

    private static void Rows(int i0, int i1, bool transA, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc)
    {
        switch (k)
        {
            case 1: Rows<K1>(i0, i1, transA, n, alpha, a, lda, b, ldb, beta, c, ldc); break;
            case 2: Rows<K2>(i0, i1, transA, n, alpha, a, lda, b, ldb, beta, c, ldc); break;
            case 3: Rows<K3>(i0, i1, transA, n, alpha, a, lda, b, ldb, beta, c, ldc); break;
            default: Rows<K4>(i0, i1, transA, n, alpha, a, lda, b, ldb, beta, c, ldc); break;
        }
    }

    private interface IDepth
    {
        static abstract int K { get; }
    }

    private struct K1 : IDepth { public static int K => 1; }
    private struct K2 : IDepth { public static int K => 2; }
    private struct K3 : IDepth { public static int K => 3; }
    private struct K4 : IDepth { public static int K => 4; }

    // Rows [i0, i1), 64 columns at a time: alpha·B's k rows of those columns are held in registers (up to 16
    // vectors) while every row of C takes k broadcasts of op(A) and four stores, so the inner loop loads nothing but A.
    // Streaming B's rows along each row of C instead ran at 0.6–0.9× OpenBLAS: its loads of B, advancing in step
    // with the stores to C, kept meeting them 4 KiB apart.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TK>(int i0, int i1, bool transA, int n, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc) where TK : struct, IDepth
    {
        // op(A)[i, p] at a + i·rowStep + p·pStep.
        nint rowStep = transA ? 1 : lda, pStep = transA ? lda : 1;
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        int j = 0;
        for (; j + 64 <= n; j += 64)
        {
            float* bj = b + j;
            var w00 = va * Vector512.Load(bj); var w01 = va * Vector512.Load(bj + 16); var w02 = va * Vector512.Load(bj + 32); var w03 = va * Vector512.Load(bj + 48);
            Vector512<float> w10 = default, w11 = default, w12 = default, w13 = default, w20 = default, w21 = default, w22 = default, w23 = default;
            Vector512<float> w30 = default, w31 = default, w32 = default, w33 = default;
            if (TK.K > 1) { bj += ldb; w10 = va * Vector512.Load(bj); w11 = va * Vector512.Load(bj + 16); w12 = va * Vector512.Load(bj + 32); w13 = va * Vector512.Load(bj + 48); }
            if (TK.K > 2) { bj += ldb; w20 = va * Vector512.Load(bj); w21 = va * Vector512.Load(bj + 16); w22 = va * Vector512.Load(bj + 32); w23 = va * Vector512.Load(bj + 48); }
            if (TK.K > 3) { bj += ldb; w30 = va * Vector512.Load(bj); w31 = va * Vector512.Load(bj + 16); w32 = va * Vector512.Load(bj + 32); w33 = va * Vector512.Load(bj + 48); }
            float* ai = a + i0 * rowStep;
            float* ci = c + i0 * ldc + j;
            for (int i = i0; i < i1; i++, ai += rowStep, ci += ldc)
            {
                var x0 = Vector512.Create(ai[0]);
                var v0 = x0 * w00; var v1 = x0 * w01; var v2 = x0 * w02; var v3 = x0 * w03;
                if (TK.K > 1)
                {
                    var x1 = Vector512.Create(ai[pStep]);
                    v0 = Vector512.FusedMultiplyAdd(x1, w10, v0); v1 = Vector512.FusedMultiplyAdd(x1, w11, v1);
                    v2 = Vector512.FusedMultiplyAdd(x1, w12, v2); v3 = Vector512.FusedMultiplyAdd(x1, w13, v3);
                }
                if (TK.K > 2)
                {
                    var x2 = Vector512.Create(ai[2 * pStep]);
                    v0 = Vector512.FusedMultiplyAdd(x2, w20, v0); v1 = Vector512.FusedMultiplyAdd(x2, w21, v1);
                    v2 = Vector512.FusedMultiplyAdd(x2, w22, v2); v3 = Vector512.FusedMultiplyAdd(x2, w23, v3);
                }
                if (TK.K > 3)
                {
                    var x3 = Vector512.Create(ai[3 * pStep]);
                    v0 = Vector512.FusedMultiplyAdd(x3, w30, v0); v1 = Vector512.FusedMultiplyAdd(x3, w31, v1);
                    v2 = Vector512.FusedMultiplyAdd(x3, w32, v2); v3 = Vector512.FusedMultiplyAdd(x3, w33, v3);
                }
                if (beta != 0f)
                {
                    v0 = Vector512.FusedMultiplyAdd(vb, Vector512.Load(ci), v0);
                    v1 = Vector512.FusedMultiplyAdd(vb, Vector512.Load(ci + 16), v1);
                    v2 = Vector512.FusedMultiplyAdd(vb, Vector512.Load(ci + 32), v2);
                    v3 = Vector512.FusedMultiplyAdd(vb, Vector512.Load(ci + 48), v3);
                }
                v0.Store(ci); v1.Store(ci + 16); v2.Store(ci + 32); v3.Store(ci + 48);
            }
        }
        // The last n mod 64 columns, 16 at a time, the last of them masked (nothing read or written past the row).
        for (; j < n; j += 16)
        {
            var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n - j)).AsSingle();
            float* bj = b + j;
            var w0 = va * Avx512F.MaskLoad(bj, mask, Vector512<float>.Zero);
            var w1 = TK.K > 1 ? va * Avx512F.MaskLoad(bj + ldb, mask, Vector512<float>.Zero) : default;
            var w2 = TK.K > 2 ? va * Avx512F.MaskLoad(bj + 2 * ldb, mask, Vector512<float>.Zero) : default;
            var w3 = TK.K > 3 ? va * Avx512F.MaskLoad(bj + 3 * ldb, mask, Vector512<float>.Zero) : default;
            float* ai = a + i0 * rowStep;
            float* ci = c + i0 * ldc + j;
            for (int i = i0; i < i1; i++, ai += rowStep, ci += ldc)
            {
                var v = Vector512.Create(ai[0]) * w0;
                if (TK.K > 1) v = Vector512.FusedMultiplyAdd(Vector512.Create(ai[pStep]), w1, v);
                if (TK.K > 2) v = Vector512.FusedMultiplyAdd(Vector512.Create(ai[2 * pStep]), w2, v);
                if (TK.K > 3) v = Vector512.FusedMultiplyAdd(Vector512.Create(ai[3 * pStep]), w3, v);
                if (beta != 0f) v = Vector512.FusedMultiplyAdd(vb, Avx512F.MaskLoad(ci, mask, Vector512<float>.Zero), v);
                Avx512F.MaskStore(ci, mask, v);
            }
        }
    }
}
