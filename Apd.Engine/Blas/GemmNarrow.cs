// SGEMM with a narrow C (2 ≤ n < NR/2 columns): the packed kernel would pad every panel of B to NR columns
// and do mostly wasted multiply-adds (10×1000×10 ran at 15 GFLOP/s). Here each element of C is a dot product
// of a row of op(A) with a column of op(B): both are made contiguous along k (B's columns, and A's rows
// when A is stored transposed, are copied out once), then each row of A is read once per four columns.
// Rows of C are shared between the threads.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Apd.Engine.Blas;

internal static unsafe class GemmNarrow
{
    /// <summary>Whether this path takes a product with n columns: narrower than half a micro-kernel panel.</summary>
    public static bool Takes(int n) => n >= 2 && n < SgemmPacked.NR / 2;

    /// <summary>C = alpha·op(A)·op(B) + beta·C. Caller has validated, handled m, n, k = 0 and alpha = 0, and pinned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc, GemmThreadTeam? team)
    {
        float[]? bCopy = null, aCopy = null;
        try
        {
            // Columns of op(B) as rows of length k: B stored transposed already holds them (stride ldb).
            if (!transB)
            {
                bCopy = ArrayPool<float>.Shared.Rent(n * k);
                fixed (float* dst = bCopy) SgemmPacked.Transpose(b, ldb, k, n, 1f, dst, k);
            }
            // Rows of op(A) of length k: A stored transposed is copied out row by row of its storage.
            if (transA)
            {
                aCopy = ArrayPool<float>.Shared.Rent(m * k);
                fixed (float* dst = aCopy) SgemmPacked.Transpose(a, lda, k, m, 1f, dst, k);
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

    // [a·b0, a·b1, a·b2, a·b3] over k, b_j = b + j·ldb; each chunk of a is loaded once for the four.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Dot4(float* a, float* b, nint ldb, int k)
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

    // beta = 0 never reads C.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* ci, float value, float beta) => *ci = beta == 0f ? value : value + beta * *ci;
}
