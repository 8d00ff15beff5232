// SGEMM with one column of C (n = 1) is a matrix-vector product, bound by reading A once: the packed
// kernel would pad the single column to a 32-wide panel and transpose all of A first. Here each element
// of C is a dot product of a row of A with b (A stored untransposed), or C is a sum of rows of A scaled by
// b (A stored transposed, so its rows are C's length). Rows, or columns, are shared between the threads.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Apd.Engine.Blas;

internal static unsafe class Sgemv
{
    // Longest column of B gathered on the stack rather than into a pooled array.
    private const int StackGatherMax = 1024;

    /// <summary>
    /// C[i·ldc] = alpha·Σ_p op(A)[i,p]·op(B)[p,0] + beta·C[i·ldc] for i &lt; m. Caller has validated the arguments,
    /// handled m = 0 and k = 0 / alpha = 0, and pinned the operands.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void Run(bool transA, bool transB, int m, int k, float alpha, float* a, nint lda, float* b, nint ldb,
        float beta, float* c, nint ldc, GemmThreadTeam? team)
    {
        // b as a contiguous vector: B stored transposed is the row 1×k; stored untransposed it is a column k×1,
        // strided by ldb unless ldb = 1.
        // A short column is gathered on the stack: a pool round trip cost as much as the product of a last column of
        // C left over by GemmInPlace (17×33×129: the 129th column).
        bool gather = !transB && ldb != 1 && k > 1;
        float[]? rented = gather && k > StackGatherMax ? ArrayPool<float>.Shared.Rent(k) : null;
        float* onStack = stackalloc float[gather && rented is null ? k : 0];
        float* x = b;
        try
        {
            fixed (float* pooled = rented)
            {
                if (gather)
                {
                    x = rented is null ? onStack : pooled;
                    for (int p = 0; p < k; p++) x[p] = b[p * ldb];
                }
                float* xv = x;
                int parts = team?.Size ?? 1;
                if (parts == 1) Part(0, 1, transA, m, k, alpha, a, lda, xv, beta, c, ldc);
                else PartsThreaded(team!, parts, transA, m, k, alpha, a, lda, xv, beta, c, ldc);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    // The lambda in its own method: the single-threaded call allocates no closure.
    private static void PartsThreaded(GemmThreadTeam team, int parts, bool transA, int m, int k, float alpha, float* a, nint lda,
        float* x, float beta, float* c, nint ldc)
        => team.Run(parts, (part, _) => Part(part, parts, transA, m, k, alpha, a, lda, x, beta, c, ldc));

    // Rows [i0, i1) of C, i0 and i1 on 16-element boundaries so threads never write the same cache line
    // when ldc = 1.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Part(int part, int parts, bool transA, int m, int k, float alpha, float* a, nint lda, float* x,
        float beta, float* c, nint ldc)
    {
        int blocks = (m + 15) / 16;
        int i0 = Math.Min(m, (int)((long)blocks * part / parts) * 16), i1 = Math.Min(m, (int)((long)blocks * (part + 1) / parts) * 16);
        if (i0 >= i1) return;
        if (!transA) DotRows(i0, i1, k, alpha, a, lda, x, beta, c, ldc);
        else SumRows(i0, i1, k, alpha, a, lda, x, beta, c, ldc);
    }

    // A stored m×k: C[i] = alpha·dot(A row i, x) + beta·C[i], four rows at a time so each load of x feeds four
    // FMAs (GemmNarrow.Dot4 with x as the shared operand and the four rows lda apart).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotRows(int i0, int i1, int k, float alpha, float* a, nint lda, float* x, float beta, float* c, nint ldc)
    {
        int i = i0;
        if (Avx.IsSupported && Vector256.IsHardwareAccelerated)
        {
            for (; i + 4 <= i1; i += 4)
            {
                var d = GemmNarrow.Dot4(x, a + i * lda, lda, k);
                GemmNarrow.Store(c + i * ldc, alpha * d[0], beta);
                GemmNarrow.Store(c + (i + 1) * ldc, alpha * d[1], beta);
                GemmNarrow.Store(c + (i + 2) * ldc, alpha * d[2], beta);
                GemmNarrow.Store(c + (i + 3) * ldc, alpha * d[3], beta);
            }
        }
        for (; i < i1; i++) GemmNarrow.Store(c + i * ldc, alpha * GemmNarrow.Dot(a + i * lda, x, k), beta);
    }

    // A stored k×m: C[i0..i1) = alpha·Σ_p x[p]·A[p, i0..i1) + beta·C. Four rows of A at a time are added into
    // a contiguous accumulator (each row read once, left to right; the accumulator stays in L1/L2).
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void SumRows(int i0, int i1, int k, float alpha, float* a, nint lda, float* x, float beta, float* c, nint ldc)
    {
        if (Vector512.IsHardwareAccelerated && (long)k * (i1 - i0) <= StripMaxFloats)
        {
            // Small enough to sit in L2: 64 columns at a time held in registers down all of k.
            for (; i0 + 64 <= i1; i0 += 64) Strip64(k, alpha, a + i0, lda, x, beta, c + i0 * ldc, ldc);
            int start = i0;
            for (; i0 + 16 <= i1; i0 += 16) Strip16(k, alpha, a + i0, lda, x, beta, c + i0 * ldc, ldc, 0);
            if (i0 < i1 && i1 - 16 >= start)
            {
                // The last few columns: a strip ending at i1, storing only the columns not done yet.
                Strip16(k, alpha, a + (i1 - 16), lda, x, beta, c + (i1 - 16) * ldc, ldc, 16 - (i1 - i0));
                return;
            }
            for (; i0 < i1; i0++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += a[p * lda + i0] * x[p];
                GemmNarrow.Store(c + i0 * ldc, alpha * sum, beta);
            }
            return;
        }
        int len = i1 - i0;
        // The accumulator: on the stack when short (no pool round trip for small products).
        // 64-byte aligned: each vector of y is stored, then loaded again for the next four rows, and a load
        // that straddles two cache lines cannot take its value from the pending store (64×64×1 ran 2× slower).
        float[]? acc = len > 2048 ? ArrayPool<float>.Shared.Rent(len + 16) : null;
        float* onStack = stackalloc float[acc is null ? len + 16 : 0];
        try
        {
            fixed (float* pooled = acc)
            {
                float* y = (float*)(((nint)(acc is null ? onStack : pooled) + 63) & ~(nint)63);
                new Span<float>(y, len).Clear();
                int p = 0;
                for (; p + 4 <= k; p += 4)
                {
                    float* r0 = a + p * lda + i0, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
                    float x0 = x[p], x1 = x[p + 1], x2 = x[p + 2], x3 = x[p + 3];
                    int j = 0;
                    if (Vector512.IsHardwareAccelerated)
                    {
                        var v0 = Vector512.Create(x0); var v1 = Vector512.Create(x1);
                        var v2 = Vector512.Create(x2); var v3 = Vector512.Create(x3);
                        for (; j + 16 <= len; j += 16)
                        {
                            // Two independent pairs, then one add into y: y's chain from one group of rows to the
                            // next is a single add, not four FMAs.
                            var s01 = Vector512.FusedMultiplyAdd(Vector512.Load(r1 + j), v1, Vector512.Load(r0 + j) * v0);
                            var s23 = Vector512.FusedMultiplyAdd(Vector512.Load(r3 + j), v3, Vector512.Load(r2 + j) * v2);
                            (Vector512.Load(y + j) + (s01 + s23)).Store(y + j);
                        }
                    }
                    else if (Vector256.IsHardwareAccelerated)
                    {
                        var v0 = Vector256.Create(x0); var v1 = Vector256.Create(x1);
                        var v2 = Vector256.Create(x2); var v3 = Vector256.Create(x3);
                        for (; j + 8 <= len; j += 8)
                        {
                            var s01 = Vector256.FusedMultiplyAdd(Vector256.Load(r1 + j), v1, Vector256.Load(r0 + j) * v0);
                            var s23 = Vector256.FusedMultiplyAdd(Vector256.Load(r3 + j), v3, Vector256.Load(r2 + j) * v2);
                            (Vector256.Load(y + j) + (s01 + s23)).Store(y + j);
                        }
                    }
                    for (; j < len; j++) y[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j];
                }
                for (; p < k; p++) AddScaled(y, a + p * lda + i0, x[p], len);
                for (int j = 0; j < len; j++) GemmNarrow.Store(c + (i0 + j) * ldc, alpha * y[j], beta);
            }
        }
        finally
        {
            if (acc is not null) ArrayPool<float>.Shared.Return(acc);
        }
    }

    // Below this many elements of A a column strip is read from cache; above it the strided rows of a strip
    // miss the TLB and the prefetcher (4096×4096×1 TN: 5.5 GFLOP/s by strips, 17 by rows).
    private const long StripMaxFloats = 64 * 1024;

    // C[j·ldc] for 64 columns j of op(A) = A stored transposed: two sets of four accumulators (even and odd p),
    // so the FMAs of one p do not wait for the previous p's.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Strip64(int k, float alpha, float* a, nint lda, float* x, float beta, float* c, nint ldc)
    {
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default;
        Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default;
        int p = 0;
        for (; p + 2 <= k; p += 2)
        {
            float* r = a + p * lda;
            var xe = Vector512.Create(x[p]);
            e0 = Vector512.FusedMultiplyAdd(Vector512.Load(r), xe, e0);
            e1 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 16), xe, e1);
            e2 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 32), xe, e2);
            e3 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 48), xe, e3);
            r += lda;
            var xo = Vector512.Create(x[p + 1]);
            o0 = Vector512.FusedMultiplyAdd(Vector512.Load(r), xo, o0);
            o1 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 16), xo, o1);
            o2 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 32), xo, o2);
            o3 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 48), xo, o3);
        }
        if (p < k)
        {
            float* r = a + p * lda;
            var xe = Vector512.Create(x[p]);
            e0 = Vector512.FusedMultiplyAdd(Vector512.Load(r), xe, e0);
            e1 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 16), xe, e1);
            e2 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 32), xe, e2);
            e3 = Vector512.FusedMultiplyAdd(Vector512.Load(r + 48), xe, e3);
        }
        var s = Vector512.Create(alpha);
        if (ldc == 1)
        {
            StoreVector(c, (e0 + o0) * s, beta);
            StoreVector(c + 16, (e1 + o1) * s, beta);
            StoreVector(c + 32, (e2 + o2) * s, beta);
            StoreVector(c + 48, (e3 + o3) * s, beta);
            return;
        }
        float* y = stackalloc float[64];
        ((e0 + o0) * s).Store(y);
        ((e1 + o1) * s).Store(y + 16);
        ((e2 + o2) * s).Store(y + 32);
        ((e3 + o3) * s).Store(y + 48);
        for (int j = 0; j < 64; j++) GemmNarrow.Store(c + j * ldc, y[j], beta);
    }

    // c[0..16) ← v + beta·c[0..16) (a contiguous column of C); beta = 0 never reads C. Storing the sums as vectors
    // rather than reading them back one float at a time from a stack copy (a 512-bit store does not forward to a
    // 32-bit load) took 64×64×1 TN from 180 to ~100 ns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector(float* c, Vector512<float> v, float beta)
    {
        if (beta != 0f) v = Vector512.FusedMultiplyAdd(Vector512.Create(beta), Vector512.Load(c), v);
        v.Store(c);
    }

    // 16 columns: Strip64's scheme with one vector per set; the first `skip` columns are computed, not stored.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Strip16(int k, float alpha, float* a, nint lda, float* x, float beta, float* c, nint ldc, int skip)
    {
        Vector512<float> e = default, o = default;
        int p = 0;
        for (; p + 2 <= k; p += 2)
        {
            e = Vector512.FusedMultiplyAdd(Vector512.Load(a + p * lda), Vector512.Create(x[p]), e);
            o = Vector512.FusedMultiplyAdd(Vector512.Load(a + (p + 1) * lda), Vector512.Create(x[p + 1]), o);
        }
        if (p < k) e = Vector512.FusedMultiplyAdd(Vector512.Load(a + p * lda), Vector512.Create(x[p]), e);
        if (ldc == 1 && skip == 0)
        {
            StoreVector(c, (e + o) * alpha, beta);
            return;
        }
        float* y = stackalloc float[16];
        ((e + o) * alpha).Store(y);
        for (int j = skip; j < 16; j++) GemmNarrow.Store(c + j * ldc, y[j], beta);
    }

    // y[0..len) += s·r[0..len)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaled(float* y, float* r, float s, int len)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var sv = Vector256.Create(s);
            for (; j + 8 <= len; j += 8) Vector256.FusedMultiplyAdd(Vector256.Load(r + j), sv, Vector256.Load(y + j)).Store(y + j);
        }
        for (; j < len; j++) y[j] += s * r[j];
    }
}
