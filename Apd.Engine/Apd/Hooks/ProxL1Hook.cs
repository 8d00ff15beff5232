// After every optimizer step, the proximal step of λ1‖τ_t‖₁ in every decomposed layer: τ_t ← S_t(τ_t).
// Plain metric: t = lr·λ1 (the proximal step of a plain gradient step). Adam metric (default): the trainer
// steps τ_t with Adam, p ← p − lr·m̂/(√v̂ + ε), so the matching proximal step is taken in Adam's diagonal
// metric, t_e = lr·λ1/(√v̂_e + ε); the hook keeps v̂ itself from the same gradients Adam sees (β2 = 0.999).
// λ1 may differ per decomposed layer (one value per network.Weights entry, ApdObjectiveOptions.L1ByLayer).
// Its v̂ lives for one task (reset at BeforeTask): a checkpoint between tasks needs no state of it.
using Apd.Engine.Checkpoints;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition.Hooks;

public sealed class ProxL1Hook : ITrainingHook, ICheckpointableHook
{
    private readonly ApdNetwork _network;
    private readonly double[] _lambda1;
    private readonly bool _adamMetric;
    private readonly float _beta2, _epsilon;
    private float[][] _secondMoment = [];
    private int _steps;

    /// <summary>The same λ1 in every decomposed layer.</summary>
    public ProxL1Hook(ApdNetwork network, double lambda1, bool adamMetric = true, float beta2 = 0.999f, float epsilon = 1e-8f)
        : this(network, network.Weights.Select(_ => lambda1).ToArray(), adamMetric, beta2, epsilon)
    {
    }

    /// <summary>λ1 per decomposed layer, in the order of network.Weights.</summary>
    public ProxL1Hook(ApdNetwork network, IReadOnlyList<double> lambda1PerLayer, bool adamMetric = true, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        if (lambda1PerLayer.Count != network.Weights.Count)
            throw new ArgumentException($"{lambda1PerLayer.Count} λ1 value(s) for {network.Weights.Count} decomposed layer(s)");
        if (lambda1PerLayer.Any(l => !(l >= 0) || double.IsInfinity(l))) throw new ArgumentOutOfRangeException(nameof(lambda1PerLayer), "λ1 must be finite and ≥ 0");
        _network = network;
        _lambda1 = [.. lambda1PerLayer];
        _adamMetric = adamMetric;
        _beta2 = beta2;
        _epsilon = epsilon;
    }

    /// <summary>λ1 of each decomposed layer, in the order of network.Weights.</summary>
    public IReadOnlyList<double> Lambda1PerLayer => _lambda1;

    public void BeforeTask(TrainingContext ctx)
    {
        _secondMoment = _adamMetric ? _network.Weights.Select(w => new float[w.Length]).ToArray() : [];
        _steps = 0;
    }

    public void AfterStep(TrainingContext ctx)
    {
        if (!_adamMetric)
        {
            for (int l = 0; l < _network.Weights.Count; l++)
                ProxL1.SoftThreshold(_network.Weights[l].DenseTau(ctx.TaskId).Value, (float)(ctx.LearningRate * _lambda1[l]));
            return;
        }
        if (_secondMoment.Length != _network.Weights.Count) BeforeTask(ctx);
        _steps++;
        float bias2Sqrt = (float)Math.Sqrt(1 - Math.Pow(_beta2, _steps));
        for (int l = 0; l < _network.Weights.Count; l++)
        {
            var tau = _network.Weights[l].DenseTau(ctx.TaskId);
            ProxL1.SoftThresholdAdamMetric(tau.Value, tau.Grad, _secondMoment[l], (float)(ctx.LearningRate * _lambda1[l]), _beta2, bias2Sqrt, _epsilon);
        }
    }

    /// <summary>Nothing to save: v̂ and the step count restart at every BeforeTask.</summary>
    public void ExportState(ModelState state)
    {
    }

    public void RestoreState(ModelState state)
    {
    }
}
