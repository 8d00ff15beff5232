// The retroactive term Σ_{i<t} [(λ2/2)‖θ_i* − σ⊙M_i − τ_i‖² + λ1_old‖τ_i‖₁] with every old τ_i at its
// optimum for the current σ: τ_i(σ) = S_κ(θ_i* − σ⊙M_i), κ = λ1_old/λ2. Per element e of channel c,
// with Δ = σ − σ^(t−1) and τ_i the adaptive weights when the task began (so θ_i* − σM_i = τ_i − ΔM_i):
//   loss_e = λ2 Σ_i φ_κ(τ_ie − Δ_e M_ic)      (φ_κ = Huber: r²/2 for |r| ≤ κ, κ|r| − κ²/2 beyond)
//   ∂loss/∂σ_e = −λ2 g_e(Δ_e),  g_e(Δ) = Σ_i M_ic · clamp(τ_ie − Δ M_ic, −κ, κ),
// a continuous piecewise-linear function of Δ. g_e splits into a channel part (every task as if τ_ie = 0,
// breakpoints ±κ/M_ic, shared by the whole channel) and an element part over the non-zeros of τ_ie
// (φ(τ − ΔM) − φ(−ΔM): breakpoints (τ ± κ)/M and ±κ/M). Both are tabulated once per task in
// O(Σ nnz τ_i · log + T·channels); each step then costs O(|σ|) plus O(1) per breakpoint crossed.
// Old masks must stay frozen while this is in use (Eq. 3); the joint form handles trained old masks.
using System.Numerics;

namespace Apd.Engine.Decomposition;

public sealed class RetroactiveClosedForm
{
    private readonly DecompositionGeometry _g;
    private readonly float[] _sigmaStart;          // σ^(t−1), (|σ|)
    private readonly int _breaks;                  // 2T breakpoints per channel
    private readonly float[] _chanX;               // (Channels, 2T) sorted breakpoints of the channel part
    private readonly float[] _chanPiece;           // (Channels, 2T+1, 4) piece coefficients s, b, a (and padding), one cache line apart at most
    private readonly int[] _elemStart;             // (|σ|+1) CSR offsets into the element breakpoints
    private readonly float[] _elemX, _elemDs;      // sorted breakpoints and slope changes of the element part
    private readonly int[] _elemCursor;            // (|σ|) breakpoints with x ≤ Δ
    private readonly int[] _chanCursor;            // (|σ|) channel breakpoints with x ≤ Δ (the channel piece)
    private readonly ushort[] _channelOf;          // (|σ|) output channel of each element (no divisions in a re-fit)
    private readonly double[] _elemS, _elemB, _elemA; // (|σ|) element-part piece coefficients
    // (|σ|) the two most recently fitted pieces per element, g = b + sΔ and loss/λ2 = a − bΔ − sΔ²/2 on [lo, hi):
    // slot 1 is the newest (the element cursor describes it), slot 2 the one before. Two slots make the
    // common case free: σ pinned near σ^(t−1) by this very term, Adam stepping it back and forth across
    // the kinks at Δ = ±κ/M, alternates between the same two pieces.
    private readonly float[] _lo, _hi, _s, _b, _a, _lo2, _hi2, _s2, _b2, _a2;

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

        _breaks = 2 * T;
        _chanX = new float[channels * _breaks];
        _chanPiece = new float[channels * (_breaks + 1) * 4];
        var ds = new float[_breaks];
        for (int c = 0; c < channels; c++)
        {
            Span<float> xs = _chanX.AsSpan(c * _breaks, _breaks);
            double sumM = 0;
            for (int i = 0; i < T; i++)
            {
                float m = masks[i * channels + c];
                sumM += m;
                // Σ_i M clamp(−ΔM, −κ, κ): slope −M² between −κ/M and +κ/M, flat outside.
                xs[2 * i] = (float)(-kappa / m);
                ds[2 * i] = -m * m;
                xs[2 * i + 1] = (float)(kappa / m);
                ds[2 * i + 1] = m * m;
            }
            xs.Sort(ds.AsSpan(0, _breaks));
            int p = c * (_breaks + 1);
            double s = 0, b = kappa * sumM, a = -T * kappa * kappa / 2;
            StorePiece(p, s, b, a);
            for (int j = 0; j < _breaks; j++)
            {
                Cross(ref s, ref b, ref a, xs[j], ds[j]);
                StorePiece(p + j + 1, s, b, a);
            }
        }

        // Element part: four breakpoints per non-zero τ_ie, stored element-major (CSR).
        _elemStart = new int[n + 1];
        var taus = new SparseTau[T];
        for (int i = 0; i < T; i++)
        {
            taus[i] = weight.StoredTau(Tasks[i]);
            foreach (int e in taus[i].Indices) _elemStart[e + 1] += 4;
        }
        for (int e = 0; e < n; e++) _elemStart[e + 1] += _elemStart[e];
        _elemX = new float[_elemStart[n]];
        _elemDs = new float[_elemStart[n]];
        var fill = new int[n];
        var initialA = new double[n];
        for (int i = 0; i < T; i++)
        {
            int[] idx = taus[i].Indices;
            float[] val = taus[i].Values;
            for (int k = 0; k < idx.Length; k++)
            {
                int e = idx[k];
                double tau = val[k];
                double m = masks[i * channels + _g.ChannelOf(e)];
                int at = _elemStart[e] + fill[e];
                fill[e] += 4;
                // φ(τ − ΔM) − φ(−ΔM): for Δ → −∞ both saturate and differ by κτ.
                _elemX[at] = (float)((tau - kappa) / m); _elemDs[at] = (float)(-m * m);
                _elemX[at + 1] = (float)((tau + kappa) / m); _elemDs[at + 1] = (float)(m * m);
                _elemX[at + 2] = (float)(-kappa / m); _elemDs[at + 2] = (float)(m * m);
                _elemX[at + 3] = (float)(kappa / m); _elemDs[at + 3] = (float)(-m * m);
                initialA[e] += kappa * tau;
            }
        }
        _elemCursor = new int[n];
        _chanCursor = new int[n];
        _channelOf = new ushort[n];
        for (int e = 0; e < n; e++) _channelOf[e] = (ushort)_g.ChannelOf(e);
        _elemS = new double[n];
        _elemB = new double[n];
        _elemA = initialA;
        for (int e = 0; e < n; e++)
        {
            int start = _elemStart[e], count = _elemStart[e + 1] - start;
            if (count > 1) _elemX.AsSpan(start, count).Sort(_elemDs.AsSpan(start, count));
            _elemCursor[e] = start;
        }
        _lo = new float[n]; _hi = new float[n]; _s = new float[n]; _b = new float[n]; _a = new float[n];
        _lo2 = new float[n]; _hi2 = new float[n]; _s2 = new float[n]; _b2 = new float[n]; _a2 = new float[n];
        for (int e = 0; e < n; e++) Refit(e, 0f);
        Refits = 0;
        _lo.CopyTo(_lo2, 0); _hi.CopyTo(_hi2, 0); _s.CopyTo(_s2, 0); _b.CopyTo(_b2, 0); _a.CopyTo(_a2, 0);
    }

    public DecomposedWeight Weight { get; }
    public double Lambda2 { get; }
    public double Kappa { get; }
    public int[] Tasks { get; }

    /// <summary>σ^(t−1), the shared weights when this term was built.</summary>
    public ReadOnlySpan<float> SigmaAtStart => _sigmaStart;

    /// <summary>Breakpoints crossed (pieces re-fitted) since construction: the cost of the exact fix-ups.</summary>
    public long Refits { get; private set; }

    /// <summary>dσ −= λ2·g(σ − σ^(t−1)) (accumulates); returns the term's value λ2 Σ φ_κ.</summary>
    public double AccumulateGradient(ReadOnlySpan<float> sigma, Span<float> dSigma)
    {
        int n = _g.Length;
        if (sigma.Length != n || dSigma.Length != n) throw new ArgumentException($"sigma and dSigma must have {n} elements");
        // Elements are independent: split them into vector-aligned chunks over the cores.
        const int Chunk = 1 << 16;
        int chunks = (n + Chunk - 1) / Chunk;
        if (chunks <= 1 || Environment.ProcessorCount == 1)
        {
            var (loss, refits) = Accumulate(sigma, dSigma, 0, n);
            Refits += refits;
            return Lambda2 * loss;
        }
        var losses = new double[chunks];
        var counts = new long[chunks];
        unsafe
        {
            fixed (float* ps = sigma, pg = dSigma)
            {
                nint aSigma = (nint)ps, aGrad = (nint)pg;
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
                {
                    int start = k * Chunk, count = Math.Min(Chunk, n - start);
                    (losses[k], counts[k]) = Accumulate(new ReadOnlySpan<float>((float*)aSigma, n), new Span<float>((float*)aGrad, n), start, count);
                });
            }
        }
        Refits += counts.Sum();
        // Summed in chunk order, so the value does not depend on the scheduling.
        double total = 0;
        foreach (double l in losses) total += l;
        return Lambda2 * total;
    }

    private (double Loss, long Refits) Accumulate(ReadOnlySpan<float> sigma, Span<float> dSigma, int start, int count)
    {
        float lambda2 = (float)Lambda2;
        double loss = 0;
        long refits = 0;
        int e = start, end = start + count;
        int w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vl = new Vector<float>(lambda2);
            var half = new Vector<float>(0.5f);
            for (; e <= end - w; e += w)
            {
                var d = new Vector<float>(sigma.Slice(e)) - new Vector<float>(_sigmaStart, e);
                var in1 = Vector.GreaterThanOrEqual(d, new Vector<float>(_lo, e)) & Vector.LessThan(d, new Vector<float>(_hi, e));
                var in2 = Vector.GreaterThanOrEqual(d, new Vector<float>(_lo2, e)) & Vector.LessThan(d, new Vector<float>(_hi2, e));
                if (!Vector.EqualsAll(in1 | in2, new Vector<int>(-1)))
                {
                    for (int k = 0; k < w; k++) refits += RefitIfOutside(e + k, d[k]);
                    in1 = Vector.GreaterThanOrEqual(d, new Vector<float>(_lo, e)) & Vector.LessThan(d, new Vector<float>(_hi, e));
                }
                var s = Vector.ConditionalSelect(in1, new Vector<float>(_s, e), new Vector<float>(_s2, e));
                var b = Vector.ConditionalSelect(in1, new Vector<float>(_b, e), new Vector<float>(_b2, e));
                var a = Vector.ConditionalSelect(in1, new Vector<float>(_a, e), new Vector<float>(_a2, e));
                var gs = new Vector<float>(dSigma.Slice(e));
                (gs - vl * (b + s * d)).CopyTo(dSigma.Slice(e));
                loss += Vector.Sum(a - d * (b + half * s * d));
            }
        }
        for (; e < end; e++)
        {
            float d = sigma[e] - _sigmaStart[e];
            refits += RefitIfOutside(e, d);
            bool first = d >= _lo[e] && d < _hi[e];
            float s = first ? _s[e] : _s2[e], b = first ? _b[e] : _b2[e], a = first ? _a[e] : _a2[e];
            dSigma[e] -= lambda2 * (b + s * d);
            loss += a - d * (b + 0.5f * s * d);
        }
        return (loss, refits);
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

    private void StorePiece(int piece, double s, double b, double a)
    {
        _chanPiece[4 * piece] = (float)s;
        _chanPiece[4 * piece + 1] = (float)b;
        _chanPiece[4 * piece + 2] = (float)a;
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
        int start = _elemStart[e], end = _elemStart[e + 1];
        double s = 0, b = 0, a = 0;
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        if (end > start)
        {
            int k = _elemCursor[e];
            s = _elemS[e]; b = _elemB[e]; a = _elemA[e];
            while (k < end && _elemX[k] <= d) { Cross(ref s, ref b, ref a, _elemX[k], _elemDs[k]); k++; }
            while (k > start && _elemX[k - 1] > d) { k--; Cross(ref s, ref b, ref a, _elemX[k], -_elemDs[k]); }
            _elemCursor[e] = k;
            _elemS[e] = s; _elemB[e] = b; _elemA[e] = a;
            if (k > start) lo = _elemX[k - 1];
            if (k < end) hi = _elemX[k];
        }
        else a = _elemA[e];

        int c = _channelOf[e];
        ReadOnlySpan<float> xs = _chanX.AsSpan(c * _breaks, _breaks);
        // The channel piece usually moves by a few breakpoints: walk them (sequential, in cache), and
        // binary-search only after a long jump.
        int j = _chanCursor[e];
        for (int walked = 0; ; walked++)
        {
            if (walked == 16) { j = UpperBound(xs, d); break; }
            if (j < _breaks && xs[j] <= d) j++;
            else if (j > 0 && xs[j - 1] > d) j--;
            else break;
        }
        _chanCursor[e] = j;
        if (j > 0) lo = Math.Max(lo, xs[j - 1]);
        if (j < _breaks) hi = Math.Min(hi, xs[j]);
        int p = (c * (_breaks + 1) + j) * 4;
        _lo[e] = lo;
        _hi[e] = hi;
        _s[e] = (float)(s + _chanPiece[p]);
        _b[e] = (float)(b + _chanPiece[p + 1]);
        _a[e] = (float)(a + _chanPiece[p + 2]);
    }

    // Number of entries ≤ d in an ascending span.
    private static int UpperBound(ReadOnlySpan<float> xs, float d)
    {
        int lo = 0, hi = xs.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (xs[mid] <= d) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
