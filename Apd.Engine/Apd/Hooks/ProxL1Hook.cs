// After every optimizer step, the proximal step of λ1‖τ_t‖₁ in every decomposed layer: τ_t ← S_t(τ_t).
// Plain metric: t = lr·λ1 (the proximal step of a plain gradient step). Adam metric (default): the trainer
// steps τ_t with Adam, p ← p − lr·m̂/(√v̂ + ε), so the matching proximal step is taken in Adam's diagonal
// metric, t_e = lr·λ1/(√v̂_e + ε); the hook keeps v̂ itself from the same gradients Adam sees (β2 = 0.999).
// Its v̂ lives for one task (reset at BeforeTask): a checkpoint between tasks needs no state of it.
using Apd.Engine.Checkpoints;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition.Hooks;

public sealed class ProxL1Hook(ApdNetwork network, double lambda1, bool adamMetric = true, float beta2 = 0.999f, float epsilon = 1e-8f) : ITrainingHook, ICheckpointableHook
{
    private float[][] _secondMoment = [];
    private int _steps;

    public void BeforeTask(TrainingContext ctx)
    {
        _secondMoment = adamMetric ? network.Weights.Select(w => new float[w.Length]).ToArray() : [];
        _steps = 0;
    }

    public void AfterStep(TrainingContext ctx)
    {
        float scale = (float)(ctx.LearningRate * lambda1);
        if (!adamMetric)
        {
            foreach (var w in network.Weights) ProxL1.SoftThreshold(w.DenseTau(ctx.TaskId).Value, scale);
            return;
        }
        if (_secondMoment.Length != network.Weights.Count) BeforeTask(ctx);
        _steps++;
        float bias2Sqrt = (float)Math.Sqrt(1 - Math.Pow(beta2, _steps));
        for (int l = 0; l < network.Weights.Count; l++)
        {
            var tau = network.Weights[l].DenseTau(ctx.TaskId);
            ProxL1.SoftThresholdAdamMetric(tau.Value, tau.Grad, _secondMoment[l], scale, beta2, bias2Sqrt, epsilon);
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
