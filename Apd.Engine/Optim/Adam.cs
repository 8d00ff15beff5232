// Adam with PyTorch's semantics (torch.optim.Adam, amsgrad off): per element
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,
//   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε),
// with optional L2 weight decay g ← g + wd·p (PyTorch's `weight_decay`, not AdamW).
// State (m, v) lives per Parameter, so one optimizer runs over any set of contiguous parameter
// groups; the step counter t is shared by all of them, as in one torch param group.
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

    private void Update(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, float stepSize, float bias2Sqrt)
    {
        float b1 = Beta1, b2 = Beta2, oneMinusB1 = 1f - Beta1, oneMinusB2 = 1f - Beta2, eps = Epsilon, wd = WeightDecay;
        for (int j = 0; j < p.Length; j++)
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
