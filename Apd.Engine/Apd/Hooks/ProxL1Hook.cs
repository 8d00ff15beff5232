// After every optimizer step: τ_t ← S_{lr·λ1}(τ_t) in every decomposed layer, the proximal step of λ1‖τ_t‖₁.
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition.Hooks;

public sealed class ProxL1Hook(ApdNetwork network, double lambda1) : ITrainingHook
{
    public void AfterStep(TrainingContext ctx)
    {
        float threshold = (float)(ctx.LearningRate * lambda1);
        foreach (var w in network.Weights) ProxL1.SoftThreshold(w.DenseTau(ctx.TaskId).Value, threshold);
    }
}
