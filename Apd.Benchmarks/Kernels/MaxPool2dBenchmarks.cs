// Max-pool 3×3/2 SAME (padding as −∞) vs its naive twin, on LeNet's conv1 output (20×32×32), batch 8.
using Apd.Engine.Kernels;
using Apd.Engine.Kernels.Reference;
using BenchmarkDotNet.Attributes;

namespace Apd.Benchmarks.Kernels;

[MemoryDiagnoser]
public class MaxPool2dBenchmarks
{
    private readonly Pool2dGeometry _g = Pool2dGeometry.Same(8, 20, 32, 32, 3, 3, 2, 2);
    private float[] _x = [], _y = [], _dy = [], _dx = [], _scratch = [];
    private int[] _argMax = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _x = Conv2dBenchmarks.Fill(rng, _g.Batch * _g.InputImageSize);
        _dy = Conv2dBenchmarks.Fill(rng, _g.Batch * _g.OutputImageSize);
        _y = new float[_dy.Length];
        _dx = new float[_x.Length];
        _scratch = new float[MaxPool2d.ForwardScratchLength(_g)];
        _argMax = new int[_y.Length];
        MaxPool2d.Forward<float>(_x, _y, _argMax, _g, _scratch);
    }

    [Benchmark(Baseline = true)]
    public void ForwardNaive() => MaxPool2dReference.Forward<float>(_x, _y, _g);

    [Benchmark]
    public void Forward() => MaxPool2d.Forward<float>(_x, _y, _argMax, _g, _scratch);

    [Benchmark]
    public void BackwardNaive() => MaxPool2dReference.Backward<float>(_x, _dy, _dx, _g);

    [Benchmark]
    public void Backward() => MaxPool2d.Backward<float>(_dy, _argMax, _dx, _g);
}
