// BenchmarkDotNet: one APD training step (LeNet, 3×32×32, batch 100) while learning task T with T − 1
// synthetic learned tasks (τ_i at 2 % density). The closed-form retroactive term should keep the step
// flat in T. Run: dotnet run -c Release --project Apd.Benchmarks -- --filter '*ApdStep*'
using Apd.Engine.Decomposition;
using BenchmarkDotNet.Attributes;

namespace Apd.Benchmarks.Apd;

[MemoryDiagnoser(false)]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8, invocationCount: 1)]
public class ApdStepBenchmarks
{
    private ApdTrainingStep _step = null!;

    [Params(1, 10, 50, 1000)]
    public int Tasks { get; set; }

    [GlobalSetup]
    public void Setup() => _step = new ApdTrainingStep(() => ApdNetwork.LeNet(3, 32, 32, seed: 1), Tasks, 0.02, 100, 10, new ApdObjectiveOptions(), seed: 1);

    [Benchmark]
    public double Step() => _step.Step();
}

/// <summary>The retroactive term alone on fc1 (3200×800): closed form as a gradient (O(|σ| log T + Σ nnz τ_i)) and as a
/// proximal step in Adam's metric (O(|σ|) while elements stay on their cached piece) against the naive sum over tasks.</summary>
[WarmupCount(2), IterationCount(8)]
public class RetroactiveTermBenchmarks
{
    private RetroactiveClosedForm _closed = null!;
    private DecomposedWeight _layer = null!;
    private float[] _sigma = [], _grad = [], _sigmaProx = [], _secondMoment = [];

    [Params(10, 50)]
    public int Tasks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _layer = new DecomposedWeight("fc1", [3200, 800], 1);
        for (int t = 0; t < Tasks; t++)
        {
            var (v, tau) = ApdTrainingStep.SyntheticTask(_layer, 0.02, rng);
            _layer.AddSealedTask(t, v, tau);
        }
        _closed = new RetroactiveClosedForm(_layer, Enumerable.Range(0, Tasks).ToArray(), 100, 5e-3);
        _sigma = _layer.Sigma.Value.Select(x => x + (float)(rng.NextDouble() - 0.5) * 1e-2f).ToArray();
        _grad = new float[_sigma.Length];
        _sigmaProx = (float[])_sigma.Clone();
        _secondMoment = _sigma.Select(_ => (float)Math.Pow(10, -8 + 4 * rng.NextDouble())).ToArray();
        _closed.PrepareProximal();
    }

    [Benchmark(Baseline = true)]
    public double ClosedForm() => _closed.AccumulateGradient(_sigma, _grad);

    [Benchmark]
    public double ClosedFormProximal() => _closed.ProximalStep(_sigmaProx, _secondMoment, 1e-3f, 0.5f);

    [Benchmark]
    public double JointFormSumOverTasks()
    {
        var mask = new float[_layer.Channels];
        var target = new float[_layer.Length];
        double loss = 0;
        for (int t = 0; t < Tasks; t++)
        {
            _layer.Mask(t, mask);
            _layer.StoredTau(t).CopyTo(target);
            loss += RetroactiveLoss.LossAndGradient<float>(_sigma, mask, _layer.StoredTau(t).ToDense(), target, 100f, _grad, Span<float>.Empty, Span<float>.Empty, _layer.Geometry);
        }
        return loss;
    }
}
