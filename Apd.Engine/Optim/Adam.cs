// Adam with PyTorch's semantics (torch.optim.Adam, amsgrad off): per element
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
//   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε),
// with optional L2 weight decay g ← g + wd·p (PyTorch's `weight_decay`, not AdamW).
// State (m, v) lives per Parameter, so one optimizer runs over any set of contiguous parameter
// groups; the step counter t is shared by all of them, as in one torch param group.
using System.Numerics;
using Apd.Engine.Tensors;

namespace Apd.Engine.Optim;

public sealed class Adam
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;

    public Adam(IReadOnlyList<Parameter> parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β1 must lie in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β2 must lie in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be non-negative.");
        if (!(weightDecay >= 0f)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be non-negative.");
        if (parameters.Distinct().Count() != parameters.Count) throw new ArgumentException("A parameter appears twice in the optimizer's list.", nameof(parameters));
        _parameters = parameters.ToArray();
        _m = _parameters.Select(p => new float[p.Length]).ToArray();
        _v = _parameters.Select(p => new float[p.Length]).ToArray();
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }

    /// <summary>Updates taken so far (PyTorch's `state['step']`).</summary>
    public int StepCount { get; private set; }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The second moments v of <paramref name="parameter"/> (read-only view), for proximal steps taken in Adam's metric.</summary>
    public ReadOnlySpan<float> SecondMoment(Parameter parameter)
    {
        int i = Array.IndexOf(_parameters, parameter);
        if (i < 0) throw new ArgumentException($"{parameter.Name} is not among this optimizer's parameters", nameof(parameter));
        return _v[i];
    }

    /// <summary>√(1 − β2^t) after the last step: Adam's step for element e is lr / (√v_e / this + ε) times m̂_e.</summary>
    public float SecondMomentBiasCorrectionSqrt => (float)Math.Sqrt(1.0 - Math.Pow(Beta2, StepCount));

    /// <summary>One update of every parameter from its current gradient.</summary>
    public void Step(float learningRate)
    {
        if (!(learningRate >= 0f) || float.IsInfinity(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and non-negative.");
        StepCount++;
        // PyTorch forms these in double precision and applies them as float scalars.
        double biasCorrection1 = 1.0 - Math.Pow(Beta1, StepCount);
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(learningRate / biasCorrection1);
        float bias2Sqrt = (float)Math.Sqrt(biasCorrection2);
        for (int i = 0; i < _parameters.Length; i++)
            Update(_parameters[i].Value, _parameters[i].Grad, _m[i], _v[i], stepSize, bias2Sqrt);
    }

    // Below this many elements a parameter is updated on the calling thread; above it, in chunks
    // over the cores. Element-wise, so the split never changes a bit of the result.
    private const int ParallelThreshold = 1 << 17;
    private const int Chunk = 1 << 15;

    private void Update(float[] p, float[] grad, float[] m, float[] v, float stepSize, float bias2Sqrt)
    {
        if (p.Length < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            UpdateRange(p, grad, m, v, stepSize, bias2Sqrt, 0, p.Length);
            return;
        }
        int chunks = (p.Length + Chunk - 1) / Chunk;
        Parallel.For(0, chunks, c =>
        {
            int start = c * Chunk;
            UpdateRange(p, grad, m, v, stepSize, bias2Sqrt, start, Math.Min(start + Chunk, p.Length));
        });
    }

    // The same operations in the same order as the scalar formula above (no fused multiply-add), so
    // the vector lanes and the scalar tail give bit-identical results.
    private void UpdateRange(float[] pArr, float[] gArr, float[] mArr, float[] vArr, float stepSize, float bias2Sqrt, int start, int end)
    {
        float b1 = Beta1, b2 = Beta2, oneMinusB1 = 1f - Beta1, oneMinusB2 = 1f - Beta2, eps = Epsilon, wd = WeightDecay;
        Span<float> p = pArr.AsSpan(start, end - start), m = mArr.AsSpan(start, end - start), v = vArr.AsSpan(start, end - start);
        ReadOnlySpan<float> grad = gArr.AsSpan(start, end - start);
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vb1 = new Vector<float>(b1); var vb2 = new Vector<float>(b2);
            var v1mb1 = new Vector<float>(oneMinusB1); var v1mb2 = new Vector<float>(oneMinusB2);
            var veps = new Vector<float>(eps); var vwd = new Vector<float>(wd);
            var vstep = new Vector<float>(stepSize); var vbias = new Vector<float>(bias2Sqrt);
            for (; j <= p.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                var pj = new Vector<float>(p[j..]);
                var g = new Vector<float>(grad[j..]);
                if (wd != 0f) g += vwd * pj;
                var mj = new Vector<float>(m[j..]) * vb1 + v1mb1 * g;
                var vj = new Vector<float>(v[j..]) * vb2 + v1mb2 * g * g;
                mj.CopyTo(m[j..]);
                vj.CopyTo(v[j..]);
                var denom = Vector.SquareRoot(vj) / vbias + veps;
                (pj - vstep * (mj / denom)).CopyTo(p[j..]);
            }
        }
        for (; j < p.Length; j++)
        {
            float g = wd == 0f ? grad[j] : grad[j] + wd * p[j];
            float mj = m[j] * b1 + oneMinusB1 * g;
            float vj = v[j] * b2 + oneMinusB2 * g * g;
            m[j] = mj;
            v[j] = vj;
            float denom = MathF.Sqrt(vj) / bias2Sqrt + eps;
            p[j] -= stepSize * (mj / denom);
        }
    }
}
