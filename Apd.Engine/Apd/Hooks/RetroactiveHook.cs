// The retroactive term Σ_{i<t} (λ2/2)‖θ_i* − (σ⊙M_i + σ̃_g + τ_i)‖² + λ1_old‖τ_i‖₁, θ_i* taken when task t begins.
// ClosedForm (default): after each optimizer step, the term's proximal step on σ in Adam's diagonal metric
// (RetroactiveClosedForm.ProximalStep, O(|σ|) per step); ClosedFormGradient: its σ-gradient added before the
// step (AccumulateGradient). Both set the old τ_i to their closed-form optimum when the task ends. The
// metric comes from the loop's Adam (TrainingContext.Optimizer); a loop without one gets the same metric
// from second moments this hook keeps of σ's gradients (β2 = 0.999, ε = 1e-8). Joint: old τ_i (and, optionally, old masks) re-opened as dense parameters
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
    private float[][] _ownSecondMoment = [];
    private int _ownSteps;

    /// <summary>The closed-form aggregates of the current task (one per decomposed layer), for inspection.</summary>
    public IReadOnlyList<RetroactiveClosedForm> ClosedForms => _closed;

    public void BeforeTask(TrainingContext ctx)
    {
        var old = network.LearnedTasks.Where(t => t != ctx.TaskId).ToArray();
        _closed = [];
        _joint = new();
        if (old.Length == 0) return;
        if (options.Retroactive != RetroactiveForm.Joint)
        {
            _closed = network.Weights.Select(w => new RetroactiveClosedForm(w, old, options.Reconstruction, options.Kappa)).ToArray();
            _ownSecondMoment = [];
            _ownSteps = 0;
            if (options.Retroactive == RetroactiveForm.ClosedForm)
                foreach (var cf in _closed) cf.PrepareProximal();
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
        if (options.Retroactive == RetroactiveForm.ClosedForm)
            foreach (var cf in _closed) loss += cf.ProximalValue;
        else
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
        if (options.Retroactive == RetroactiveForm.ClosedForm && _closed.Length > 0) ProximalSteps(ctx);
        if (_oldOptimizer is null) return;
        _oldOptimizer.Step(ctx.LearningRate);
        float threshold = (float)(ctx.LearningRate * options.RetroactiveL1);
        foreach (var (w, t, _) in _joint) ProxL1.SoftThreshold(w.DenseTau(t).Value, threshold);
    }

    private void ProximalSteps(TrainingContext ctx)
    {
        var adam = ctx.Optimizer;
        if (adam is not null && adam.StepCount > 0 && _closed.All(cf => adam.Parameters.Contains(cf.Weight.Sigma)))
        {
            float bias2Sqrt = adam.SecondMomentBiasCorrectionSqrt;
            foreach (var cf in _closed) Guarded(ctx, cf, () => cf.ProximalStep(cf.Weight.Sigma.Value, adam.SecondMoment(cf.Weight.Sigma), ctx.LearningRate, bias2Sqrt, adam.Epsilon));
            return;
        }
        // No Adam over σ in this loop: keep v of σ's gradient here (the gradient the loop's step just used).
        const float Beta2 = 0.999f;
        if (_ownSecondMoment.Length != _closed.Length) _ownSecondMoment = _closed.Select(cf => new float[cf.Weight.Length]).ToArray();
        _ownSteps++;
        float bias = (float)Math.Sqrt(1 - Math.Pow(Beta2, _ownSteps));
        for (int l = 0; l < _closed.Length; l++)
        {
            float[] v = _ownSecondMoment[l], g = _closed[l].Weight.Sigma.Grad;
            for (int e = 0; e < v.Length; e++) v[e] = Beta2 * v[e] + (1 - Beta2) * g[e] * g[e];
            var cf = _closed[l];
            Guarded(ctx, cf, () => cf.ProximalStep(cf.Weight.Sigma.Value, v, ctx.LearningRate, bias));
        }
    }

    // A NaN/∞ in σ or in the optimizer's moments stops training with the task, step and tensor named.
    private static void Guarded(TrainingContext ctx, RetroactiveClosedForm cf, Func<double> step)
    {
        try
        {
            step();
        }
        catch (NotFiniteNumberException e)
        {
            throw new NonFiniteValueException(ctx.TaskId, ctx.Step, cf.Weight.Sigma.Name, $"task {ctx.TaskId}, epoch {ctx.Epoch}, step {ctx.Step}: {e.Message}");
        }
    }

    public void AfterTask(TrainingContext ctx)
    {
        foreach (var cf in _closed) cf.UpdateTaus(cf.Weight.Sigma.Value);
        foreach (var (w, t, _) in _joint) w.Seal(t);
        _oldParameters = [];
        _oldOptimizer = null;
        _closed = [];
        _ownSecondMoment = [];
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
