// Optional (wd/2)‖σ‖² on the shared weights: σ.Grad += wd·σ.
// Stateless, hence trivially checkpointable.
using System.Numerics.Tensors;
using Apd.Engine.Checkpoints;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition.Hooks;

public sealed class WeightDecayHook(ApdNetwork network, double decay) : ITrainingHook, ICheckpointableHook
{
    public double AfterBackward(TrainingContext ctx)
    {
        double loss = 0;
        foreach (var w in network.Weights)
        {
            loss += decay / 2 * TensorPrimitives.SumOfSquares<float>(w.Sigma.Value);
            TensorPrimitives.MultiplyAdd(w.Sigma.Value, (float)decay, w.Sigma.Grad, w.Sigma.Grad);
        }
        return loss;
    }

    /// <summary>Stateless.</summary>
    public void ExportState(ModelState state)
    {
    }

    public void RestoreState(ModelState state)
    {
    }
}
