// One APD training step on a network with T − 1 synthetic learned tasks (random masks, τ_i at a given
// density) while task T is learned: forward, softmax cross-entropy, backward, every objective hook
// (retroactive closed form, prox-L1, ...), Adam. Used by `apd bench apd-step` and the BenchmarkDotNet class.
using Apd.Engine.Kernels;
using Apd.Engine.Optim;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition;

public sealed class ApdTrainingStep
{
    private readonly IReadOnlyList<ITrainingHook> _hooks;
    private readonly Adam _adam;
    private readonly TrainingContext _ctx;
    private readonly float[] _x, _logits, _dLogits;
    private readonly int[] _labels;

    /// <param name="tasks">T: the step trains task T (id T − 1) with T − 1 learned tasks before it.</param>
    public ApdTrainingStep(Func<ApdNetwork> build, int tasks, double density, int batch, int classes, ApdObjectiveOptions objective, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tasks, 1);
        if (!(density >= 0 && density <= 1)) throw new ArgumentOutOfRangeException(nameof(density));
        Network = build();
        var rng = new Random(seed);
        for (int t = 0; t < tasks - 1; t++) Network.AddLearnedTask(t, classes, w => SyntheticTask(w, density, rng));
        Current = tasks - 1;
        Network.BeginTask(Current, classes);
        _hooks = (objective with { ConsolidateEvery = 0 }).Hooks(Network);
        var parameters = Network.TrainableParameters(Current);
        _ctx = new TrainingContext { Model = Network, TaskId = Current, Parameters = parameters, LearningRate = 1e-3f };
        foreach (var h in _hooks) h.BeforeTask(_ctx);
        _adam = new Adam(parameters);
        _ctx.Optimizer = _adam;
        Batch = batch;
        Classes = classes;
        _x = new float[batch * Network.InputSize];
        for (int i = 0; i < _x.Length; i++) _x[i] = (float)rng.NextDouble();
        _labels = new int[batch];
        for (int i = 0; i < batch; i++) _labels[i] = rng.Next(classes);
        _logits = new float[batch * classes];
        _dLogits = new float[batch * classes];
    }

    public ApdNetwork Network { get; }
    public int Current { get; }
    public int Batch { get; }
    public int Classes { get; }

    /// <summary>The closed-form retroactive term's exact fix-ups so far: far pieces re-fitted (gradient form) plus elements
    /// whose proximal solution left its cached piece (proximal form).</summary>
    public long FixUps => _hooks.OfType<Hooks.RetroactiveHook>().SelectMany(h => h.ClosedForms).Sum(c => c.Refits + c.ProximalSearches);

    /// <summary>Time the objective terms (hooks' AfterBackward and AfterStep: gradients, proximal steps) took in the last step.</summary>
    public double LastTermsMilliseconds { get; private set; }

    /// <summary>One full training step; returns the loss (data + every term).</summary>
    public double Step()
    {
        _ctx.Step++;
        foreach (var p in _ctx.Parameters) p.ZeroGrad();
        Network.Forward(Current, _x, Batch, _logits);
        double loss = SoftmaxCrossEntropy.Forward<float>(_logits, _labels, _dLogits, Batch, Classes);
        Network.Backward(Current, _dLogits, Batch);
        long terms = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var h in _hooks) loss += h.AfterBackward(_ctx);
        double before = System.Diagnostics.Stopwatch.GetElapsedTime(terms).TotalMilliseconds;
        _adam.Step(_ctx.LearningRate);
        long after = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var h in _hooks) h.AfterStep(_ctx);
        LastTermsMilliseconds = before + System.Diagnostics.Stopwatch.GetElapsedTime(after).TotalMilliseconds;
        return loss;
    }

    /// <summary>A learned task for one layer: mask logits ~ U(−3, 3), τ non-zero at ≈ density, values ~ U(−0.05, 0.05).</summary>
    public static (float[] MaskLogits, SparseTau Tau) SyntheticTask(DecomposedWeight w, double density, Random rng)
    {
        var v = new float[w.Channels];
        for (int c = 0; c < v.Length; c++) v[c] = (float)(rng.NextDouble() * 6 - 3);
        var idx = new List<int>((int)(w.Length * density * 1.1) + 4);
        if (density > 0)
        {
            // Geometric gaps give each element an independent chance `density` without one draw per element.
            double logKeep = Math.Log(1 - Math.Min(density, 1 - 1e-12));
            for (long e = (long)(Math.Log(1 - rng.NextDouble()) / logKeep); e < w.Length; e += 1 + (long)(Math.Log(1 - rng.NextDouble()) / logKeep))
                idx.Add((int)e);
        }
        var values = new float[idx.Count];
        for (int k = 0; k < values.Length; k++)
        {
            float magnitude = (float)(0.002 + rng.NextDouble() * 0.048);
            values[k] = rng.Next(2) == 0 ? magnitude : -magnitude;
        }
        return (v, new SparseTau(w.Length, [.. idx], values));
    }
}
