// Conv2d im2col + GEMM kernel vs its seven-loop twin on the LeNet convolutions (SAME 5×5), batch 8.
// Run: dotnet run -c Release --project Apd.Benchmarks -- --filter '*Conv2dBenchmarks*'
using Apd.Engine.Kernels;
using Apd.Engine.Kernels.Reference;
using BenchmarkDotNet.Attributes;

namespace Apd.Benchmarks.Kernels;

[MemoryDiagnoser]
public class Conv2dBenchmarks
{
    private float[] _x = [], _w = [], _b = [], _y = [], _dy = [], _dx = [], _dw = [], _db = [], _workspace = [];
    private Conv2dGeometry _g;

    /// <summary>conv1 of LeNet on 3×32×32, and conv2 (20×16×16 → 50).</summary>
    [Params("conv1-cifar", "conv2-cifar")]
    public string Layer { get; set; } = "conv1-cifar";

    [GlobalSetup]
    public void Setup()
    {
        _g = Layer == "conv1-cifar" ? Conv2dGeometry.Same(8, 3, 32, 32, 20, 5, 5) : Conv2dGeometry.Same(8, 20, 16, 16, 50, 5, 5);
        var rng = new Random(1);
        _x = Fill(rng, _g.Batch * _g.InputImageSize);
        _w = Fill(rng, _g.WeightSize);
        _b = Fill(rng, _g.OutChannels);
        _dy = Fill(rng, _g.Batch * _g.OutputImageSize);
        _y = new float[_dy.Length];
        _dx = new float[_x.Length];
        _dw = new float[_w.Length];
        _db = new float[_b.Length];
        _workspace = new float[Conv2d.WorkspaceLength(_g, _g.Batch)];
    }

    [Benchmark(Baseline = true)]
    public void ForwardNaive() => Conv2dReference.Forward<float>(_x, _w, _b, _y, _g);

    [Benchmark]
    public void ForwardIm2ColGemm() => Conv2d.Forward<float>(_x, _w, _b, _y, _g, _workspace);

    [Benchmark]
    public void BackwardNaive() => Conv2dReference.Backward<float>(_x, _w, _dy, _dx, _dw, _db, _g);

    [Benchmark]
    public void BackwardIm2ColGemm() => Conv2d.Backward<float>(_x, _w, _dy, _dx, _dw, _db, _g, _workspace);

    internal static float[] Fill(Random rng, int n)
    {
        var r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float)(rng.NextDouble() * 2 - 1);
        return r;
    }
}
