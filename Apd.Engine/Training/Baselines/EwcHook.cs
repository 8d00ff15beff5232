// Elastic weight consolidation (Kirkpatrick et al. 2017) over the shared weights:
//   penalty = (λ/2) Σ_k Σ_j F_k[j]·(θ[j] − θ_k*[j])²,  F_k = diagonal empirical Fisher of task k at θ_k*.
// The sum over past tasks is kept as three running sums, A = ΣF_k, B = ΣF_k·θ_k*, C = ΣF_k·θ_k*², so a
// step costs O(|θ|) whatever the number of tasks: penalty = (λ/2) Σ_j (A θ² − 2Bθ + C), gradient λ(Aθ − B).
using Apd.Engine.Checkpoints;
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;

namespace Apd.Engine.Training.Baselines;

public sealed class EwcHook : ITrainingHook, ICheckpointableHook
{
    private readonly Parameter[] _anchored;
    private readonly double[][] _a, _b, _c;
    private bool _anyTask;

    /// <param name="anchored">The shared weights to protect (the trunk; heads are per task).</param>
    /// <param name="lambda">Penalty strength λ.</param>
    /// <param name="fisherSamples">Training samples (the task's first ones) used to estimate the Fisher diagonal, one at a time.</param>
    public EwcHook(IReadOnlyList<Parameter> anchored, float lambda, int fisherSamples = 200)
    {
        ArgumentNullException.ThrowIfNull(anchored);
        if (!(lambda >= 0f) || float.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be finite and non-negative.");
        ArgumentOutOfRangeException.ThrowIfLessThan(fisherSamples, 1);
        _anchored = anchored.ToArray();
        _a = _anchored.Select(p => new double[p.Length]).ToArray();
        _b = _anchored.Select(p => new double[p.Length]).ToArray();
        _c = _anchored.Select(p => new double[p.Length]).ToArray();
        Lambda = lambda;
        FisherSamples = fisherSamples;
    }

    public float Lambda { get; }
    public int FisherSamples { get; }

    /// <summary>Accumulated Fisher diagonal Σ_k F_k of each anchored parameter.</summary>
    public IReadOnlyList<double[]> FisherSum => _a;

    public void AfterTask(TrainingContext ctx)
    {
        var fisher = Fisher(ctx);
        for (int i = 0; i < _anchored.Length; i++)
        {
            float[] w = _anchored[i].Value;
            for (int j = 0; j < w.Length; j++)
            {
                double f = fisher[i][j];
                _a[i][j] += f;
                _b[i][j] += f * w[j];
                _c[i][j] += f * w[j] * w[j];
            }
        }
        _anyTask = true;
    }

    public void ExportState(ModelState state)
    {
        if (!_anyTask) return;
        for (int i = 0; i < _anchored.Length; i++)
            foreach (var (sum, values) in new[] { ("A", _a[i]), ("B", _b[i]), ("C", _c[i]) })
                state.Add(NamedTensor.Of($"ewc/{sum}/{_anchored[i].Name}", [values.Length], (double[])values.Clone()));
    }

    public void RestoreState(ModelState state)
    {
        if (!state.Tensors.Any(t => t.Name.StartsWith("ewc/", StringComparison.Ordinal))) return;
        for (int i = 0; i < _anchored.Length; i++)
            foreach (var (sum, values) in new[] { ("A", _a[i]), ("B", _b[i]), ("C", _c[i]) })
            {
                var t = state.Tensor($"ewc/{sum}/{_anchored[i].Name}");
                if (t.Doubles is null || t.Count != values.Length)
                    throw new InvalidDataException($"tensor '{t.Name}' does not match parameter {_anchored[i]}");
                t.Doubles.CopyTo(values, 0);
            }
        _anyTask = true;
    }

    public double AfterBackward(TrainingContext ctx)
    {
        if (!_anyTask) return 0;
        double loss = 0;
        for (int i = 0; i < _anchored.Length; i++)
        {
            float[] w = _anchored[i].Value, g = _anchored[i].Grad;
            double[] a = _a[i], b = _b[i], c = _c[i];
            for (int j = 0; j < w.Length; j++)
            {
                double x = w[j];
                g[j] += (float)(Lambda * (a[j] * x - b[j]));
                loss += a[j] * x * x - 2 * b[j] * x + c[j];
            }
        }
        return 0.5 * Lambda * loss;
    }

    /// <summary>F[j] = mean over samples of (∂ log p(y|x) / ∂θ_j)², at the current weights, true labels.</summary>
    private double[][] Fisher(TrainingContext ctx)
    {
        var data = ctx.TrainData ?? throw new InvalidOperationException("EWC needs the task's training data in the training context.");
        var model = ctx.Model;
        var all = model.TrainableParameters(ctx.TaskId);
        var fisher = _anchored.Select(p => new double[p.Length]).ToArray();
        int n = Math.Min(FisherSamples, data.Count);
        var logits = new float[data.Classes];
        var dLogits = new float[data.Classes];
        for (int s = 0; s < n; s++)
        {
            foreach (var p in all) p.ZeroGrad();
            foreach (var p in _anchored) p.ZeroGrad();
            model.Forward(ctx.TaskId, data.Sample(s), 1, logits);
            SoftmaxCrossEntropy.Forward<float>(logits, data.Labels.AsSpan(s, 1), dLogits, 1, data.Classes);
            model.Backward(ctx.TaskId, dLogits, 1);
            for (int i = 0; i < _anchored.Length; i++)
            {
                float[] g = _anchored[i].Grad;
                for (int j = 0; j < g.Length; j++) fisher[i][j] += (double)g[j] * g[j] / n;
            }
        }
        foreach (var p in all) p.ZeroGrad();
        foreach (var p in _anchored) p.ZeroGrad();
        return fisher;
    }
}
