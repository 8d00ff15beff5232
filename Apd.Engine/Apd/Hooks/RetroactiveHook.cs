// The retroactive term Σ_{i<t} (λ2/2)‖θ_i* − (σ⊙M_i + σ̃_g + τ_i)‖² + λ1_old‖τ_i‖₁, θ_i* taken when task t begins.
// ClosedForm: σ-gradient from RetroactiveClosedForm in O(|σ|) per step; old τ_i set to their closed-form
// optimum when the task ends. Joint: old τ_i (and, optionally, old masks) re-opened as dense parameters
// stepped by this hook's own Adam at the trainer's learning rate right after the trainer's step, then
// soft-thresholded by lr·λ1_old; O(T·|σ|) per step.
// Between tasks it holds nothing (AfterTask clears it): a checkpoint needs no state of it.
using Apd.Engine.Optim;
using Apd.Engine.Tensors;
using Apd.Engine.Checkpoints;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition.Hooks;

public sealed class RetroactiveHook(ApdNetwork network, ApdObjectiveOptions options) : ITrainingHook, ICheckpointableHook
{
    private RetroactiveClosedForm[] _closed = [];
    private List<(DecomposedWeight Layer, int Task, float[] Target)> _joint = new();
    private Parameter[] _oldParameters = [];
    private Adam? _oldOptimizer;

    /// <summary>The closed-form aggregates of the current task (one per decomposed layer), for inspection.</summary>
    public IReadOnlyList<RetroactiveClosedForm> ClosedForms => _closed;

    public void BeforeTask(TrainingContext ctx)
    {
        var old = network.LearnedTasks.Where(t => t != ctx.TaskId).ToArray();
        _closed = [];
        _joint = new();
        if (old.Length == 0) return;
        if (options.Retroactive == RetroactiveForm.ClosedForm)
        {
            _closed = network.Weights.Select(w => new RetroactiveClosedForm(w, old, options.Reconstruction, options.Kappa)).ToArray();
            return;
        }
        var extra = new List<Parameter>();
        foreach (var w in network.Weights)
        {
            var mask = new float[w.Channels];
            foreach (int t in old)
            {
                // Target of σ⊙M_i + τ_i: θ_i* − σ̃_g = σ^(t−1)⊙M_i + τ_i.
                var target = new float[w.Length];
                w.Mask(t, mask);
                var tau = w.Unseal(t);
                ApdCompose.Forward<float>(w.Sigma.Value, mask, tau.Value, target, w.Geometry);
                _joint.Add((w, t, target));
                extra.Add(tau);
                if (options.TrainOldMasks) extra.Add(w.MaskLogits(t));
            }
        }
        _oldParameters = [.. extra];
        _oldOptimizer = new Adam(_oldParameters);
    }

    public double AfterBackward(TrainingContext ctx)
    {
        double loss = 0;
        foreach (var p in _oldParameters) p.ZeroGrad();
        foreach (var cf in _closed) loss += cf.AccumulateGradient(cf.Weight.Sigma.Value, cf.Weight.Sigma.Grad);
        foreach (var (w, t, target) in _joint)
        {
            var mask = new float[w.Channels];
            w.Mask(t, mask);
            var tau = w.DenseTau(t);
            var v = w.MaskLogits(t);
            loss += RetroactiveLoss.LossAndGradient<float>(w.Sigma.Value, mask, tau.Value, target, (float)options.Reconstruction,
                w.Sigma.Grad, options.TrainOldMasks ? v.Grad : Span<float>.Empty, tau.Grad, w.Geometry);
            loss += options.RetroactiveL1 * System.Numerics.Tensors.TensorPrimitives.SumOfMagnitudes<float>(tau.Value);
        }
        return loss;
    }

    public void AfterStep(TrainingContext ctx)
    {
        if (_oldOptimizer is null) return;
        _oldOptimizer.Step(ctx.LearningRate);
        float threshold = (float)(ctx.LearningRate * options.RetroactiveL1);
        foreach (var (w, t, _) in _joint) ProxL1.SoftThreshold(w.DenseTau(t).Value, threshold);
    }

    public void AfterTask(TrainingContext ctx)
    {
        foreach (var cf in _closed) cf.UpdateTaus(cf.Weight.Sigma.Value);
        foreach (var (w, t, _) in _joint) w.Seal(t);
        _oldParameters = [];
        _oldOptimizer = null;
        _closed = [];
        _joint = new();
    }

    /// <summary>Nothing to save: θ_i* and the closed-form aggregates are rebuilt from the model at the next BeforeTask.</summary>
    public void ExportState(ModelState state)
    {
        if (_closed.Length > 0 || _joint.Count > 0 || _oldOptimizer is not null)
            throw new InvalidOperationException("the retroactive term is saved between tasks, not while one is learned");
    }

    public void RestoreState(ModelState state)
    {
    }
}
