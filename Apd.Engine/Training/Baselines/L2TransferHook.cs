// L2-transfer baseline: while learning task t, pull the shared weights towards their values at the end
// of task t−1 with (λ/2)·‖θ − θ^(t−1)‖²; gradient λ·(θ − θ^(t−1)). No penalty while learning the first task.
using Apd.Engine.Checkpoints;
using Apd.Engine.Tensors;

namespace Apd.Engine.Training.Baselines;

public sealed class L2TransferHook : ITrainingHook, ICheckpointableHook
{
    private readonly Parameter[] _anchored;
    private float[][]? _previous;

    public L2TransferHook(IReadOnlyList<Parameter> anchored, float lambda)
    {
        ArgumentNullException.ThrowIfNull(anchored);
        if (!(lambda >= 0f) || float.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be finite and non-negative.");
        _anchored = anchored.ToArray();
        Lambda = lambda;
    }

    public float Lambda { get; }

    public void AfterTask(TrainingContext ctx) => _previous = _anchored.Select(p => (float[])p.Value.Clone()).ToArray();

    public void ExportState(ModelState state)
    {
        if (_previous is null) return;
        for (int i = 0; i < _anchored.Length; i++) state.Add(NamedTensor.Of($"l2t/{_anchored[i].Name}", [_previous[i].Length], (float[])_previous[i].Clone()));
    }

    public void RestoreState(ModelState state)
    {
        if (!state.Tensors.Any(t => t.Name.StartsWith("l2t/", StringComparison.Ordinal))) return;
        _previous = new float[_anchored.Length][];
        for (int i = 0; i < _anchored.Length; i++)
        {
            var t = state.Tensor($"l2t/{_anchored[i].Name}");
            if (t.Floats is null || t.Count != _anchored[i].Length)
                throw new InvalidDataException($"tensor '{t.Name}' does not match parameter {_anchored[i]}");
            _previous[i] = (float[])t.Floats.Clone();
        }
    }

    public double AfterBackward(TrainingContext ctx)
    {
        if (_previous is null) return 0;
        double loss = 0;
        for (int i = 0; i < _anchored.Length; i++)
        {
            float[] w = _anchored[i].Value, g = _anchored[i].Grad, w0 = _previous[i];
            double sq = 0;
            for (int j = 0; j < w.Length; j++)
            {
                float d = w[j] - w0[j];
                g[j] += Lambda * d;
                sq += (double)d * d;
            }
            loss += 0.5 * Lambda * sq;
        }
        return loss;
    }
}
