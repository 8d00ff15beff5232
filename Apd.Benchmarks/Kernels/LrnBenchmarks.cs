// LRN across channels (the authors' r 4, bias 1, α 0.001/9, β 0.75) vs its naive twin, on LeNet's
// conv1 output (20×32×32), batch 8.
using Apd.Engine.Kernels;
using Apd.Engine.Kernels.Reference;
using BenchmarkDotNet.Attributes;

namespace Apd.Benchmarks.Kernels;

[MemoryDiagnoser]
public class LrnBenchmarks
{
    private readonly LrnGeometry _g = LrnGeometry.AuthorsLeNet(8, 20, 32, 32);
    private float[] _x = [], _y = [], _scale = [], _dy = [], _dx = [], _scratch = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(2);
        int n = _g.Batch * _g.ImageSize;
        _x = Conv2dBenchmarks.Fill(rng, n);
        _dy = Conv2dBenchmarks.Fill(rng, n);
        _y = new float[n];
        _scale = new float[n];
        _dx = new float[n];
        _scratch = new float[Lrn.BackwardScratchLength(_g)];
        Lrn.Forward<float>(_x, _y, _scale, _g);
    }

    [Benchmark(Baseline = true)]
    public void ForwardNaive() => LrnReference.Forward<float>(_x, _y, _g);

    [Benchmark]
    public void Forward() => Lrn.Forward<float>(_x, _y, _scale, _g);

    [Benchmark]
    public void BackwardNaive() => LrnReference.Backward<float>(_x, _dy, _dx, _g);

    [Benchmark]
    public void Backward() => Lrn.Backward<float>(_x, _y, _scale, _dy, _dx, _g, _scratch);
}
