// (λ/2)‖σ − σ^(t−1)‖² in every decomposed layer, σ^(t−1) snapshotted when a task after the first begins.
// Between tasks it holds nothing: a checkpoint needs no state of it (ICheckpointableHook exports none).
using Apd.Engine.Checkpoints;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition.Hooks;

public sealed class DriftPenaltyHook(ApdNetwork network, double lambda) : ITrainingHook, ICheckpointableHook
{
    private float[][]? _previous;

    public void BeforeTask(TrainingContext ctx)
        => _previous = network.LearnedTasks.Count == 0 ? null : network.Weights.Select(w => (float[])w.Sigma.Value.Clone()).ToArray();

    public void AfterTask(TrainingContext ctx) => _previous = null;

    public double AfterBackward(TrainingContext ctx)
    {
        if (_previous is null) return 0;
        double loss = 0;
        for (int l = 0; l < _previous.Length; l++)
        {
            var sigma = network.Weights[l].Sigma;
            loss += DriftPenalty.LossAndGradient<float>(sigma.Value, _previous[l], (float)lambda, sigma.Grad);
        }
        return loss;
    }

    /// <summary>Nothing to save: σ^(t−1) is taken again from the model at the next BeforeTask.</summary>
    public void ExportState(ModelState state)
    {
        if (_previous is not null) throw new InvalidOperationException("the drift penalty is saved between tasks, not while one is learned");
    }

    public void RestoreState(ModelState state)
    {
    }
}
