// The retroactive term Σ_{i<t} [(λ2/2)‖θ_i* − σ⊙M_i − τ_i‖² + λ1_old‖τ_i‖₁] with every old τ_i at its
// optimum for the current σ: τ_i(σ) = S_κ(θ_i* − σ⊙M_i), κ = λ1_old/λ2. Per element e of channel c,
// with Δ = σ − σ^(t−1) and τ_i the adaptive weights when the task began (so θ_i* − σM_i = τ_i − ΔM_i):
//   loss_e = λ2 Σ_i φ_κ(τ_ie − Δ_e M_ic)      (φ_κ = Huber: r²/2 for |r| ≤ κ, κ|r| − κ²/2 beyond)
//   ∂loss/∂σ_e = −λ2 g_e(Δ_e),  g_e(Δ) = Σ_i M_ic · clamp(τ_ie − Δ M_ic, −κ, κ),
// a continuous piecewise-linear function of Δ, split into three parts:
//  - channel part Σ_i M_ic clamp(−ΔM_ic, −κ, κ) (every task as if τ_ie = 0): odd in Δ, with kinks at
//    |Δ| = κ/M_ic shared by the channel; it is −sign(Δ)κ·Σ_{κ/M ≤ |Δ|} M − Δ·Σ_{κ/M > |Δ|} M², so each
//    channel keeps its T values κ/M sorted with prefix sums, and each step every element finds its count
//    afresh by a branch-free binary search of |Δ_e| (power-of-two padded, 8 elements at a time with AVX2
//    gathers): O(log T) independent loads, no per-element state;
//  - near part −Σ_{i: τ_ie ≠ 0} M_ic clamp(−ΔM_ic, −κ, κ) (removes those tasks from the channel part): its
//    kinks ±κ/M sit where Δ lives (this term pins σ near σ^(t−1)), so it is summed directly every step,
//    one mask value per non-zero old τ, no state;
//  - far part Σ_{i: τ_ie ≠ 0} M_ic clamp(τ_ie − ΔM_ic, −κ, κ): breakpoints (τ ± κ)/M, rarely crossed; each
//    element keeps its two latest pieces and walks its own sorted breakpoints only when Δ_e leaves both.
// Tabulation costs O(Σ nnz τ_i · log + T·channels) once per task; a step costs O(|σ| log T + Σ nnz τ_i)
// plus O(1) per far breakpoint crossed.
//
// Proximal mode (ProximalStep, the default of RetroactiveHook): instead of adding λ2·g to the gradient,
// the term is applied after the optimizer's step z as its proximal operator in the optimizer's diagonal
// metric, σ_e ← argmin_s (s − z_e)²/(2η_e) + λ2 Σ_i φ_κ(τ_ie − (s − σ^(t−1)_e) M_ic), η_e = lr/(√v̂_e + ε)
// (Adam's per-element step). The minimiser solves (Δ − z)/η = λ2 g(Δ), a strictly increasing
// piecewise-linear equation; each element caches the piece of the whole g (channel + near + far parts
// together) that holds its Δ, and a step is one linear solve per element, O(1), with an exact search
// (PieceAt, safeguarded piece-by-piece Newton) only for elements whose solution leaves that piece. The
// term is stiff (slope λ2 Σ_i M_ic², thousands with many tasks): taken as a gradient it makes Adam swing σ
// across the kinks every step; taken implicitly it holds Δ still and the cache almost always hits.
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Apd.Engine.Decomposition;

public sealed class RetroactiveClosedForm
{
    private readonly DecompositionGeometry _g;
    private readonly float[] _sigmaStart;          // σ^(t−1), (|σ|)
    private readonly int _breaks;                  // T kinks |Δ| = κ/M_ic per channel
    private readonly int _stride;                  // power of two > T: row length of _chanX
    // Long rows are searched in two levels: the last entry of each block of 16 (one cache line, a small
    // table), then within the one block. Short rows (≤ 128, where the extra table does not pay) are one block.
    private readonly int _block, _blockShift;
    private readonly float[] _chanX;               // (Channels, _stride) κ/M_ic ascending, then +∞
    private readonly float[] _chanTop;             // (Channels, _stride / _block) the last breakpoint of each block of _chanX
    private readonly float[] _chanPQ;              // (Channels, T+1, 2) for r = 0..T: Σ_{k<r} M_k and Σ_{k≥r} M_k² (k in κ/M order)
    private readonly ushort[] _channelOf;          // (|σ|) output channel of each element
    private readonly int[] _nearStart;             // (|σ|+1) CSR offsets over the non-zero old τ_ie, element-major
    private readonly float[] _nearU;               // (Σ nnz + 1) κ/M_ic of each non-zero old τ_ie, ascending per element, then +∞
    private readonly float[] _nearPQ;              // (Σ nnz + |σ|, 2) per element, for r = 0..nnz_e: Σ_{k<r} M_k and Σ_{k≥r} M_k² (k in κ/M order), side by side
    private readonly int[] _elemStart;             // (|σ|+1) CSR offsets into the far breakpoints (2 per non-zero)
    private readonly float[] _elemX, _elemDs;      // sorted breakpoints and slope changes of the far part
    private readonly int[] _elemCursor;            // (|σ|) far breakpoints with x ≤ Δ
    private readonly double[] _elemS, _elemB, _elemA; // (|σ|) far-part piece coefficients at the cursor
    // (|σ|) the two most recently fitted far-part pieces per element, g = b + sΔ and loss/λ2 = a − bΔ − sΔ²/2
    // on [lo, hi): slot 1 is the newest (the element cursor describes it), slot 2 the one before. Elements
    // without any non-zero old τ have the single piece 0 on (−∞, ∞).
    // Allocated by the first AccumulateGradient (the proximal mode does not use them).
    private float[] _lo = [], _hi = [], _s = [], _b = [], _a = [], _lo2 = [], _hi2 = [], _s2 = [], _b2 = [], _a2 = [];

    /// <param name="weight">The layer; every task in <paramref name="oldTasks"/> must be sealed.</param>
    /// <param name="oldTasks">The tasks i &lt; t whose θ_i* are reconstructed.</param>
    /// <param name="lambda2">λ2, the reconstruction weight.</param>
    /// <param name="kappa">κ = λ1_old / λ2 (> 0).</param>
    public RetroactiveClosedForm(DecomposedWeight weight, IReadOnlyList<int> oldTasks, double lambda2, double kappa)
    {
        if (!(kappa > 0)) throw new ArgumentOutOfRangeException(nameof(kappa), "κ = λ1_old/λ2 must be > 0 for the closed form (λ1_old = 0 leaves σ free; use the joint form)");
        if (!(lambda2 >= 0)) throw new ArgumentOutOfRangeException(nameof(lambda2));
        Weight = weight;
        Lambda2 = lambda2;
        Kappa = kappa;
        Tasks = oldTasks.ToArray();
        _g = weight.Geometry;
        int n = _g.Length, channels = _g.Channels, T = Tasks.Length;
        if (channels > ushort.MaxValue + 1) throw new ArgumentException($"{weight.Name}: more than {ushort.MaxValue + 1} output channels");
        _sigmaStart = (float[])weight.Sigma.Value.Clone();

        // M_ic for every old task: (T, Channels)
        var masks = new float[T * channels];
        for (int i = 0; i < T; i++) weight.Mask(Tasks[i], masks.AsSpan(i * channels, channels));

        _breaks = T;
        _stride = (int)BitOperations.RoundUpToPowerOf2((uint)_breaks + 1);
        _block = _stride <= 128 ? _stride : 16;
        _blockShift = BitOperations.Log2((uint)_block);
        if ((long)channels * _stride > int.MaxValue || (long)channels * (_breaks + 1) * 2 > int.MaxValue)
            throw new ArgumentException($"{weight.Name}: {channels} channels × {T} old tasks exceed the channel tables' 32-bit indexing");
        _chanX = new float[channels * _stride];
        Array.Fill(_chanX, float.PositiveInfinity);
        _chanPQ = new float[channels * (_breaks + 1) * 2];
        _chanTop = new float[channels * (_stride / _block)];
        var ms = new float[T];
        for (int c = 0; c < channels; c++)
        {
            // Σ_i M clamp(−ΔM, −κ, κ) = −sign(Δ)κ·Σ_{κ/M ≤ |Δ|} M − Δ·Σ_{κ/M > |Δ|} M².
            Span<float> xs = _chanX.AsSpan(c * _stride, T);
            for (int i = 0; i < T; i++)
            {
                ms[i] = masks[i * channels + c];
                xs[i] = (float)(kappa / ms[i]);
            }
            xs.Sort(ms.AsSpan(0, T));
            for (int k = 0; k < _stride / _block; k++) _chanTop[c * (_stride / _block) + k] = _chanX[c * _stride + k * _block + _block - 1];
            int row = 2 * c * (T + 1);
            double p = 0, q = 0;
            for (int k = T - 1; k >= 0; k--) { q += (double)ms[k] * ms[k]; _chanPQ[row + 2 * k + 1] = (float)q; }
            for (int k = 0; k <= T; k++) { _chanPQ[row + 2 * k] = (float)p; if (k < T) p += ms[k]; }
        }

        // Near and far parts over the non-zero τ_ie, stored element-major (CSR): one mask value and two
        // far breakpoints each.
        _nearStart = new int[n + 1];
        var taus = new SparseTau[T];
        for (int i = 0; i < T; i++)
        {
            taus[i] = weight.StoredTau(Tasks[i]);
            foreach (int e in taus[i].Indices) _nearStart[e + 1]++;
        }
        for (int e = 0; e < n; e++) _nearStart[e + 1] += _nearStart[e];
        var nearM = new float[_nearStart[n]];
        _nearU = new float[_nearStart[n] + 1];
        _nearU[^1] = float.PositiveInfinity;
        _elemStart = new int[n + 1];
        for (int e = 0; e <= n; e++) _elemStart[e] = 2 * _nearStart[e];
        _elemX = new float[_elemStart[n]];
        _elemDs = new float[_elemStart[n]];
        var fill = new int[n];
        var initialA = new double[n];
        var initialB = new double[n];
        for (int i = 0; i < T; i++)
        {
            int[] idx = taus[i].Indices;
            float[] val = taus[i].Values;
            for (int k = 0; k < idx.Length; k++)
            {
                int e = idx[k];
                double tau = val[k];
                float mask = masks[i * channels + _g.ChannelOf(e)];
                double m = mask;
                nearM[_nearStart[e] + fill[e]] = mask;
                _nearU[_nearStart[e] + fill[e]] = (float)(kappa / m);
                int at = _elemStart[e] + 2 * fill[e];
                fill[e]++;
                // φ(τ − ΔM): for Δ → −∞ it is κ(τ − ΔM) − κ²/2, g = κM.
                _elemX[at] = (float)((tau - kappa) / m); _elemDs[at] = (float)(-m * m);
                _elemX[at + 1] = (float)((tau + kappa) / m); _elemDs[at + 1] = (float)(m * m);
                initialA[e] += kappa * tau - kappa * kappa / 2;
                initialB[e] += kappa * m;
            }
        }
        // Near part at |Δ|: the first r = #{κ/M ≤ |Δ|} tasks saturate (M·κ sign Δ), the rest are linear (M²Δ).
        _nearPQ = new float[2 * (_nearStart[n] + n)];
        for (int e = 0; e < n; e++)
        {
            int start = _nearStart[e], count = _nearStart[e + 1] - start, row = start + e;
            if (count > 1) _nearU.AsSpan(start, count).Sort(nearM.AsSpan(start, count));
            double p = 0, q = 0;
            for (int k = count - 1; k >= 0; k--) { q += (double)nearM[start + k] * nearM[start + k]; _nearPQ[2 * (row + k) + 1] = (float)q; }
            for (int k = 0; k < count; k++) { _nearPQ[2 * (row + k)] = (float)p; p += nearM[start + k]; }
            _nearPQ[2 * (row + count)] = (float)p;
        }
        _elemCursor = new int[n];
        _channelOf = new ushort[n];
        for (int e = 0; e < n; e++) _channelOf[e] = (ushort)_g.ChannelOf(e);
        _elemS = new double[n];
        _elemB = initialB;
        _elemA = initialA;
        for (int e = 0; e < n; e++)
        {
            int start = _elemStart[e], count = _elemStart[e + 1] - start;
            if (count > 1) _elemX.AsSpan(start, count).Sort(_elemDs.AsSpan(start, count));
            _elemCursor[e] = start;
        }
    }

    public DecomposedWeight Weight { get; }
    public double Lambda2 { get; }
    public double Kappa { get; }
    public int[] Tasks { get; }

    /// <summary>σ^(t−1), the shared weights when this term was built.</summary>
    public ReadOnlySpan<float> SigmaAtStart => _sigmaStart;

    /// <summary>Far-part pieces re-fitted since construction (Δ_e left both cached pieces): the cost of the exact fix-ups.</summary>
    public long Refits { get; private set; }

    // Proximal mode: per element the piece of the whole g holding Δ_e after the last proximal step,
    // g = B + SΔ on [lo, hi), loss/λ2 = A − BΔ − SΔ²/2. Allocated at the first proximal step.
    private float[]? _pLo, _pHi, _pS, _pB, _pA;

    /// <summary>Elements whose proximal solution left its cached piece (each then found by an exact search) since construction.</summary>
    public long ProximalSearches { get; private set; }

    /// <summary>λ2 Σ φ_κ at σ after the last proximal step (at σ^(t−1) before the first): the term's value in proximal mode.</summary>
    public double ProximalValue { get; private set; }

    /// <summary>dσ −= λ2·g(σ − σ^(t−1)) (accumulates); returns the term's value λ2 Σ φ_κ.</summary>
    public double AccumulateGradient(ReadOnlySpan<float> sigma, Span<float> dSigma)
    {
        int n = _g.Length;
        if (sigma.Length != n || dSigma.Length != n) throw new ArgumentException($"sigma and dSigma must have {n} elements");
        EnsureFarPieces();
        // Elements are independent: split them into vector-aligned chunks over the cores.
        double total;
        long refits;
        unsafe
        {
            fixed (float* ps = sigma, pg = dSigma)
            {
                nint aSigma = (nint)ps, aGrad = (nint)pg;
                (total, refits) = OverChunks(n, 1 << 16, (start, count) =>
                    Accumulate(new ReadOnlySpan<float>((float*)aSigma, n), new Span<float>((float*)aGrad, n), start, count));
            }
        }
        Refits += refits;
        return Lambda2 * total;
    }

    // Runs body(start, count) over [0, n) in chunks of `chunk` elements, on every core when there is more than
    // one chunk, and sums the results in chunk order: the totals do not depend on the scheduling or on the
    // number of cores.
    private static (double Sum, long Count) OverChunks(int n, int chunk, Func<int, int, (double, long)> body)
    {
        int chunks = (n + chunk - 1) / chunk;
        var sums = new double[chunks];
        var counts = new long[chunks];
        void Run(int k)
        {
            int start = k * chunk;
            (sums[k], counts[k]) = body(start, Math.Min(chunk, n - start));
        }
        if (chunks <= 1 || Environment.ProcessorCount == 1)
            for (int k = 0; k < chunks; k++) Run(k);
        else
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, Run);
        double total = 0;
        foreach (double sum in sums) total += sum;
        return (total, counts.Sum());
    }

    // The gradient form's far-part cache: both slots at the piece holding Δ = 0.
    private void EnsureFarPieces()
    {
        int n = _g.Length;
        if (_lo.Length == n) return;
        _lo = new float[n]; _hi = new float[n]; _s = new float[n]; _b = new float[n]; _a = new float[n];
        _lo2 = new float[n]; _hi2 = new float[n]; _s2 = new float[n]; _b2 = new float[n]; _a2 = new float[n];
        for (int e = 0; e < n; e++) Refit(e, 0f);
        _lo.CopyTo(_lo2, 0); _hi.CopyTo(_hi2, 0); _s.CopyTo(_s2, 0); _b.CopyTo(_b2, 0); _a.CopyTo(_a2, 0);
    }

    private unsafe (double Loss, long Refits) Accumulate(ReadOnlySpan<float> sigma, Span<float> dSigma, int start, int count)
    {
        float lambda2 = (float)Lambda2, kappa = (float)Kappa;
        double loss = 0;
        long refits = 0;
        int e = start, end = start + count;
        if (Avx2.IsSupported)
        {
            fixed (float* pSigma = sigma, pGrad = dSigma, pStart = _sigmaStart, pX = _chanX, pTop = _chanTop, pChanPQ = _chanPQ)
            fixed (float* pLo = _lo, pHi = _hi, pS = _s, pB = _b, pA = _a, pLo2 = _lo2, pHi2 = _hi2, pS2 = _s2, pB2 = _b2, pA2 = _a2)
            fixed (ushort* pChannel = _channelOf)
            fixed (int* pNearStart = _nearStart)
            fixed (float* pNearU = _nearU, pNearPQ = _nearPQ)
            {
                var vKappa = Vector256.Create(kappa);
                var negKappa = Vector256.Create(-kappa);
                var halfKappa2 = Vector256.Create(0.5f * kappa * kappa);
                var vl = Vector256.Create(lambda2);
                var half = Vector256.Create(0.5f);
                var stride = Vector256.Create(_stride);
                var blocks = Vector256.Create(_stride / _block);
                var pieces = Vector256.Create(_breaks + 1);
                for (; e <= end - 8; e += 8)
                {
                    var d = Avx.LoadVector256(pSigma + e) - Avx.LoadVector256(pStart + e);
                    // Lanes without a non-zero old τ have no far or near part: skip both when all eight do.
                    bool anyOld = pNearStart[e + 8] != pNearStart[e];
                    var in1 = anyOld ? Vector256.GreaterThanOrEqual(d, Avx.LoadVector256(pLo + e)) & Vector256.LessThan(d, Avx.LoadVector256(pHi + e)) : Vector256<float>.AllBitsSet;
                    Vector256<float> s, b, a;
                    if (!anyOld) s = b = a = Vector256<float>.Zero;
                    else if (in1.ExtractMostSignificantBits() == 0xFFu)
                    {
                        // The common case: every lane in its newest far piece; slot 2 is not even read.
                        s = Avx.LoadVector256(pS + e);
                        b = Avx.LoadVector256(pB + e);
                        a = Avx.LoadVector256(pA + e);
                    }
                    else
                    {
                        var in2 = Vector256.GreaterThanOrEqual(d, Avx.LoadVector256(pLo2 + e)) & Vector256.LessThan(d, Avx.LoadVector256(pHi2 + e));
                        if ((in1 | in2).ExtractMostSignificantBits() != 0xFFu)
                        {
                            for (int k = 0; k < 8; k++) refits += RefitIfOutside(e + k, d.GetElement(k));
                            in1 = Vector256.GreaterThanOrEqual(d, Avx.LoadVector256(pLo + e)) & Vector256.LessThan(d, Avx.LoadVector256(pHi + e));
                        }
                        s = Vector256.ConditionalSelect(in1, Avx.LoadVector256(pS + e), Avx.LoadVector256(pS2 + e));
                        b = Vector256.ConditionalSelect(in1, Avx.LoadVector256(pB + e), Avx.LoadVector256(pB2 + e));
                        a = Vector256.ConditionalSelect(in1, Avx.LoadVector256(pA + e), Avx.LoadVector256(pA2 + e));
                    }

                    // Channel part: j = #{κ/M ≤ |Δ|} by a branch-free binary search, the +∞ padding
                    // standing in for the entries past T: first over the blocks' last entries (a small
                    // table), then within the one block (one cache line).
                    var abs = Vector256.Abs(d);
                    var channel = Avx2.ConvertToVector256Int32(pChannel + e);
                    var top = channel * blocks;
                    var jb = Vector256<int>.Zero;
                    for (int step = _stride / _block >> 1; step > 0; step >>= 1)
                    {
                        var x = Avx2.GatherVector256(pTop, top + jb + Vector256.Create(step - 1), 4);
                        jb += Vector256.LessThanOrEqual(x, abs).AsInt32() & Vector256.Create(step);
                    }
                    var row = channel * stride;
                    var j = jb << _blockShift;
                    for (int step = _block >> 1; step > 0; step >>= 1)
                    {
                        var x = Avx2.GatherVector256(pX, row + j + Vector256.Create(step - 1), 4);
                        j += Vector256.LessThanOrEqual(x, abs).AsInt32() & Vector256.Create(step);
                    }
                    var at = (channel * pieces + j) << 1;
                    var saturatedAll = Avx2.GatherVector256(pChanPQ, at, 4);
                    var linearAll = Avx2.GatherVector256(pChanPQ + 1, at, 4);
                    var g = b + s * d - (Vector256.CopySign(vKappa, d) * saturatedAll + d * linearAll);
                    var value = a - d * (b + half * s * d)
                        + vKappa * abs * saturatedAll - halfKappa2 * Vector256.ConvertToSingle(j) + half * d * d * linearAll;
                    // Near part: + Σ M clamp(ΔM, −κ, κ) and − Σ φ_κ(ΔM) over the element's non-zero old τ,
                    // from r = #{κ/M ≤ |Δ|} (a branch-free search over each lane's own row).
                    if (anyOld)
                    {
                        var first = Avx.LoadVector256(pNearStart + e);
                        var left = Avx.LoadVector256(pNearStart + e + 1) - first;
                        int longest = 0;
                        for (int k = 0; k < 8; k++) longest = Math.Max(longest, left.GetElement(k));
                        var r = Vector256<int>.Zero;
                        var one = Vector256.Create(1);
                        for (; longest > 1; longest -= longest >> 1)
                        {
                            var h = left >>> 1;
                            var u = Avx2.GatherVector256(pNearU, first + r + Vector256.Max(h, one) - one, 4);
                            r += Vector256.LessThanOrEqual(u, abs).AsInt32() & h;
                            left -= h;
                        }
                        var last = Avx2.GatherVector256(pNearU, first + r, 4);
                        r -= Vector256.LessThanOrEqual(last, abs).AsInt32() & Vector256.Equals(left, one);
                        var nearRow = first + r + Vector256.Create(e) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
                        var saturated = Avx2.GatherVector256(pNearPQ, nearRow, 8);
                        var linear = Avx2.GatherVector256(pNearPQ + 1, nearRow, 8);
                        g += Vector256.CopySign(vKappa, d) * saturated + d * linear;
                        value -= vKappa * abs * saturated - halfKappa2 * Vector256.ConvertToSingle(r) + half * d * d * linear;
                    }
                    (Avx.LoadVector256(pGrad + e) - vl * g).Store(pGrad + e);
                    loss += Vector256.Sum(value);
                }
            }
        }
        for (; e < end; e++)
        {
            float d = sigma[e] - _sigmaStart[e];
            refits += RefitIfOutside(e, d);
            bool first = d >= _lo[e] && d < _hi[e];
            float s = first ? _s[e] : _s2[e], b = first ? _b[e] : _b2[e], a = first ? _a[e] : _a2[e];
            float absD = MathF.Abs(d);
            int c = _channelOf[e], top = c * (_stride / _block), j = 0;
            for (int step = _stride / _block >> 1; step > 0; step >>= 1)
                if (_chanTop[top + j + step - 1] <= absD) j += step;
            int row = c * _stride;
            j <<= _blockShift;
            for (int step = _block >> 1; step > 0; step >>= 1)
                if (_chanX[row + j + step - 1] <= absD) j += step;
            int pq = 2 * (c * (_breaks + 1) + j);
            float saturatedAll = _chanPQ[pq], linearAll = _chanPQ[pq + 1];
            float g = b + s * d - (MathF.CopySign(kappa, d) * saturatedAll + d * linearAll);
            float value = a - d * (b + 0.5f * s * d) + kappa * absD * saturatedAll - 0.5f * kappa * kappa * j + 0.5f * d * d * linearAll;
            int nearFirst = _nearStart[e], nearLeft = _nearStart[e + 1] - nearFirst, r = 0;
            if (nearLeft > 0)
            {
                float abs = MathF.Abs(d);
                for (; nearLeft > 1; nearLeft -= nearLeft >> 1)
                    if (_nearU[nearFirst + r + (nearLeft >> 1) - 1] <= abs) r += nearLeft >> 1;
                if (_nearU[nearFirst + r] <= abs) r++;
                int at = 2 * (nearFirst + e + r);
                float saturated = _nearPQ[at], linear = _nearPQ[at + 1];
                g += MathF.CopySign(kappa, d) * saturated + d * linear;
                value -= kappa * abs * saturated - 0.5f * kappa * kappa * r + 0.5f * d * d * linear;
            }
            dSigma[e] -= lambda2 * g;
            loss += value;
        }
        return (loss, refits);
    }

    /// <summary>
    /// The proximal step of the term in a diagonal metric: σ_e ← argmin_s (s − σ_e)²/(2η_e) + λ2 Σ_i φ_κ(τ_ie − (s − σ^(t−1)_e) M_ic),
    /// with η_e = <paramref name="learningRate"/> / (√v_e / <paramref name="bias2Sqrt"/> + <paramref name="epsilon"/>) from the
    /// optimizer's second moments v (Adam's step for element e), or η_e = learning rate when <paramref name="secondMoment"/> is empty.
    /// Exact: each element's new Δ solves (Δ − z)/η = λ2 g(Δ). Returns the term's value λ2 Σ φ_κ at the new σ.
    /// </summary>
    public double ProximalStep(Span<float> sigma, ReadOnlySpan<float> secondMoment, float learningRate, float bias2Sqrt = 1f, float epsilon = 1e-8f)
    {
        int n = _g.Length;
        if (sigma.Length != n) throw new ArgumentException($"sigma must have {n} elements");
        if (!secondMoment.IsEmpty && secondMoment.Length != n) throw new ArgumentException($"the second moments must have {n} elements (or none for a plain metric)");
        if (!(learningRate > 0) || float.IsInfinity(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the proximal step needs a finite learning rate > 0");
        if (!(bias2Sqrt > 0) || !(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(bias2Sqrt), "the metric needs √(1−β2^t) > 0 and ε ≥ 0");
        PrepareProximal();
        var metric = new Metric(learningRate, bias2Sqrt, epsilon);
        double total;
        long searches;
        unsafe
        {
            fixed (float* ps = sigma, pv = secondMoment)
            {
                nint aSigma = (nint)ps, aV = (nint)pv;
                bool plain = secondMoment.IsEmpty;
                (total, searches) = OverChunks(n, 1 << 15, (start, count) =>
                    ProximalRange(new Span<float>((float*)aSigma, n), plain ? ReadOnlySpan<float>.Empty : new ReadOnlySpan<float>((float*)aV, n), metric, start, count));
            }
        }
        ProximalSearches += searches;
        ProximalValue = Lambda2 * total;
        return ProximalValue;
    }

    private readonly record struct Metric(float LearningRate, float Bias2Sqrt, float Epsilon);

    /// <summary>Tabulates every element's piece at Δ = 0 (σ = σ^(t−1), where a task begins) for the proximal steps, and
    /// the term's value there. Done by the first <see cref="ProximalStep"/> when not called before.</summary>
    public void PrepareProximal()
    {
        if (_pLo is not null) return;
        int n = _g.Length;
        _pLo = new float[n]; _pHi = new float[n]; _pS = new float[n]; _pB = new float[n]; _pA = new float[n];
        var (total, _) = OverChunks(n, 1 << 15, (start, count) =>
        {
            double sum = 0;
            for (int e = start; e < start + count; e++)
            {
                var piece = PieceAt(e, 0);
                StorePiece(e, piece);
                sum += piece.A;
            }
            return (sum, 0);
        });
        ProximalValue = Lambda2 * total;
    }

    private unsafe (double Loss, long Searches) ProximalRange(Span<float> sigma, ReadOnlySpan<float> secondMoment, Metric metric, int start, int count)
    {
        float lambda2 = (float)Lambda2, lr = metric.LearningRate, bias2Sqrt = metric.Bias2Sqrt, eps = metric.Epsilon;
        bool plain = secondMoment.IsEmpty;
        double loss = 0;
        long searches = 0;
        int e = start, end = start + count;
        fixed (float* pSigma = sigma, pV = secondMoment, pStart = _sigmaStart, pLo = _pLo, pHi = _pHi, pS = _pS, pB = _pB, pA = _pA)
        {
            if (Vector256.IsHardwareAccelerated)
            {
                var vl = Vector256.Create(lambda2);
                var vlr = Vector256.Create(lr);
                var vBias = Vector256.Create(bias2Sqrt);
                var vEps = Vector256.Create(eps);
                var one = Vector256.Create(1f);
                var half = Vector256.Create(0.5f);
                for (; e <= end - 8; e += 8)
                {
                    var z = Vector256.Load(pSigma + e) - Vector256.Load(pStart + e);
                    var eta = plain ? vlr : vlr / (Vector256.Sqrt(Vector256.Load(pV + e)) / vBias + vEps);
                    var k = eta * vl;
                    var s = Vector256.Load(pS + e);
                    var b = Vector256.Load(pB + e);
                    var c = (z + k * b) / (one - k * s);
                    var inside = Vector256.GreaterThanOrEqual(c, Vector256.Load(pLo + e)) & Vector256.LessThan(c, Vector256.Load(pHi + e));
                    uint hits = inside.ExtractMostSignificantBits();
                    var value = Vector256.Load(pA + e) - c * (b + half * s * c);
                    if (hits == 0xFFu)
                    {
                        (Vector256.Load(pStart + e) + c).Store(pSigma + e);
                        loss += Vector256.Sum(value);
                        continue;
                    }
                    // Lanes on their piece take the vector result; only the others are solved one by one.
                    Vector256.ConditionalSelect(inside, Vector256.Load(pStart + e) + c, Vector256.Load(pSigma + e)).Store(pSigma + e);
                    loss += Vector256.Sum(value & inside);
                    for (uint misses = ~hits & 0xFFu; misses != 0; misses &= misses - 1)
                    {
                        int lane = BitOperations.TrailingZeroCount(misses);
                        (loss, searches) = Tally(loss, searches, ProximalElement(pSigma, e + lane, z.GetElement(lane), eta.GetElement(lane), lambda2));
                    }
                }
            }
            for (; e < end; e++)
            {
                float z = pSigma[e] - pStart[e];
                float eta = plain ? lr : lr / (MathF.Sqrt(pV[e]) / bias2Sqrt + eps);
                (loss, searches) = Tally(loss, searches, ProximalElement(pSigma, e, z, eta, lambda2));
            }
        }
        return (loss, searches);

        static (double, long) Tally(double loss, long searches, (float Value, bool Searched) r) => (loss + r.Value, searches + (r.Searched ? 1 : 0));
    }

    // One element: the cached piece's solution when it stays on that piece (the same float operations as
    // the vector lanes), else an exact search. Returns loss/λ2 at the new Δ.
    private unsafe (float Value, bool Searched) ProximalElement(float* pSigma, int e, float z, float eta, float lambda2)
    {
        float k = eta * lambda2;
        float s = _pS![e], b = _pB![e];
        float c = (z + k * b) / (1f - k * s);
        if (c >= _pLo![e] && c < _pHi![e])
        {
            pSigma[e] = _sigmaStart[e] + c;
            return (_pA![e] - c * (b + 0.5f * s * c), false);
        }
        if (!float.IsFinite(z) || !float.IsFinite(eta))
            throw new NotFiniteNumberException($"{Weight.Name}: non-finite {(float.IsFinite(z) ? "optimizer step size" : "σ")} at element {e} in the retroactive proximal step");
        var (delta, piece) = SolveExactly(e, z, (double)eta * Lambda2);
        StorePiece(e, piece);
        pSigma[e] = _sigmaStart[e] + (float)delta;
        return ((float)(piece.A - delta * (piece.B + 0.5 * piece.S * delta)), true);
    }

    private readonly record struct Piece(double Lo, double Hi, double S, double B, double A);

    private void StorePiece(int e, Piece p)
    {
        _pLo![e] = (float)p.Lo; _pHi![e] = (float)p.Hi; _pS![e] = (float)p.S; _pB![e] = (float)p.B; _pA![e] = (float)p.A;
    }

    // The root of F(Δ) = (Δ − z) − k·g(Δ), k = η·λ2: F is continuous and strictly increasing, linear on
    // each piece of g. Safeguarded piece-by-piece Newton: solve on the piece at the current point; if the
    // solution lies outside it, the root lies beyond the piece's edge on that side, which tightens the
    // bracket [L, R) and excludes the piece; the next point is that solution, or the bracket's midpoint
    // when the solution falls outside the bracket. Each piece is visited at most once.
    private (double Delta, Piece Piece) SolveExactly(int e, float z, double k)
    {
        double left = double.NegativeInfinity, right = double.PositiveInfinity;
        var piece = new Piece(_pLo![e], _pHi![e], _pS![e], _pB![e], _pA![e]);
        int limit = 2 * (_breaks + 2 * (_nearStart[e + 1] - _nearStart[e])) + 8;
        for (int iteration = 0; ; iteration++)
        {
            double c = (z + k * piece.B) / (1 - k * piece.S);
            if (c >= piece.Lo && c < piece.Hi) return (c, piece);
            if (c >= piece.Hi) left = Math.Max(left, piece.Hi);
            else right = Math.Min(right, piece.Lo);
            if (!(left < right))
                return (left, PieceAt(e, left));
            if (iteration > limit) throw new InvalidOperationException($"{Weight.Name}: the retroactive proximal step did not converge at element {e} (z = {z}, k = {k})");
            double p = c >= left && c < right ? c
                : double.IsFinite(left) && double.IsFinite(right) ? left + (right - left) / 2
                : double.IsFinite(left) ? left : right - Math.Abs(right) * 1e-7 - 1e-30;
            piece = PieceAt(e, p);
        }
    }

    /// <summary>The piece of the whole g (channel + near + far parts) whose interval [Lo, Hi) holds Δ.</summary>
    private Piece PieceAt(int e, double d)
    {
        double kappa = Kappa;
        double abs = Math.Abs(d);
        bool negative = d < 0;
        // Channel part: −sign(Δ)κ·P_j − Δ·Q_j, j = #{κ/M ≤ |Δ|} (for Δ < 0, #{κ/M < |Δ|}, so that the
        // piece's interval is closed at its left end on both sides of 0).
        int c = _channelOf[e];
        int j = CountBelow(_chanX.AsSpan(c * _stride, _breaks), abs, strict: negative);
        int pq = 2 * (c * (_breaks + 1) + j);
        double p = _chanPQ[pq], q = _chanPQ[pq + 1];
        double sign = negative ? -1 : 1;
        double slope = -q, constant = -sign * kappa * p, value = -0.5 * kappa * kappa * j;
        var (lo, hi) = Interval(_chanX.AsSpan(c * _stride, _breaks), j, negative);
        // Near part: +sign(Δ)κ·P'_r + Δ·Q'_r over the element's non-zero old τ.
        int first = _nearStart[e], nearCount = _nearStart[e + 1] - first;
        if (nearCount > 0)
        {
            var u = _nearU.AsSpan(first, nearCount);
            int r = CountBelow(u, abs, strict: negative);
            int at = 2 * (first + e + r);
            slope += _nearPQ[at + 1];
            constant += sign * kappa * _nearPQ[at];
            value += 0.5 * kappa * kappa * r;
            var (nlo, nhi) = Interval(u, r, negative);
            lo = Math.Max(lo, nlo);
            hi = Math.Min(hi, nhi);
        }
        // Far part: b + sΔ from the element's sorted breakpoints (walked from its cursor).
        var (fs, fb, fa, flo, fhi) = FarPieceAt(e, d);
        slope += fs;
        constant += fb;
        value += fa;
        lo = Math.Max(lo, flo);
        hi = Math.Min(hi, fhi);
        return new Piece(lo, hi, slope, constant, value);
    }

    // #{k : x_k ≤ a} (or < a when strict) in an ascending row.
    private static int CountBelow(ReadOnlySpan<float> xs, double a, bool strict)
    {
        int lo = 0, hi = xs.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (strict ? xs[mid] < a : xs[mid] <= a) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    // The Δ-interval of the odd part's piece with j kinks |Δ| = x below: (−x_0, x_0) for j = 0, else
    // [x_{j−1}, x_j) for Δ ≥ 0 and [−x_j, −x_{j−1}) for Δ < 0 (x_j = +∞ past the row).
    private static (double Lo, double Hi) Interval(ReadOnlySpan<float> xs, int j, bool negative)
    {
        double next = j < xs.Length ? xs[j] : double.PositiveInfinity;
        if (j == 0) return (-next, next);
        double previous = xs[j - 1];
        return negative ? (-next, -previous) : (previous, next);
    }

    /// <summary>
    /// Writes every old τ_i ← S_κ(θ_i* − σ⊙M_i) = S_κ(τ_i − ΔM_i) into the layer (end of task).
    /// O(T·|σ|) once per task; the new τ_i are exactly the optimum the gradient above assumed.
    /// </summary>
    public void UpdateTaus(ReadOnlySpan<float> sigma)
    {
        int n = _g.Length, channels = _g.Channels;
        var dense = new float[n];
        var mask = new float[channels];
        float kappa = (float)Kappa;
        foreach (int task in Tasks)
        {
            Weight.Mask(task, mask);
            Weight.StoredTau(task).CopyTo(dense);
            for (int e = 0; e < n; e++)
                dense[e] = ProxL1.Scalar(dense[e] - (sigma[e] - _sigmaStart[e]) * mask[_g.ChannelOf(e)], kappa);
            Weight.ReplaceStoredTau(task, SparseTau.FromDense(dense));
        }
    }

    private static void Cross(ref double s, ref double b, ref double a, double x, double ds)
    {
        // Continuity of g (b + s x) and of the loss (a − b x − s x²/2) across the breakpoint.
        s += ds;
        b -= ds * x;
        a -= ds * x * x / 2;
    }

    private int RefitIfOutside(int e, float d)
    {
        if ((d >= _lo[e] && d < _hi[e]) || (d >= _lo2[e] && d < _hi2[e])) return 0;
        _lo2[e] = _lo[e]; _hi2[e] = _hi[e]; _s2[e] = _s[e]; _b2[e] = _b[e]; _a2[e] = _a[e];
        Refit(e, d);
        return 1;
    }

    private void Refit(int e, float d)
    {
        var (s, b, a, lo, hi) = FarPieceAt(e, d);
        _lo[e] = (float)lo;
        _hi[e] = (float)hi;
        _s[e] = (float)s;
        _b[e] = (float)b;
        _a[e] = (float)a;
    }

    // The far part's piece holding Δ: walks the element's cursor over its sorted breakpoints.
    private (double S, double B, double A, double Lo, double Hi) FarPieceAt(int e, double d)
    {
        int start = _elemStart[e], end = _elemStart[e + 1];
        double s = 0, b = _elemB[e], a = _elemA[e];
        double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        if (end > start)
        {
            int k = _elemCursor[e];
            s = _elemS[e];
            while (k < end && _elemX[k] <= d) { Cross(ref s, ref b, ref a, _elemX[k], _elemDs[k]); k++; }
            while (k > start && _elemX[k - 1] > d) { k--; Cross(ref s, ref b, ref a, _elemX[k], -_elemDs[k]); }
            _elemCursor[e] = k;
            _elemS[e] = s; _elemB[e] = b; _elemA[e] = a;
            if (k > start) lo = _elemX[k - 1];
            if (k < end) hi = _elemX[k];
        }
        return (s, b, a, lo, hi);
    }
}
