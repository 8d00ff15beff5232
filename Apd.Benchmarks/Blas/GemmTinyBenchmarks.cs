// The managed SGEMM against the naive triple loop (GemmReference) on tiny shapes, where fixed costs
// (validation, dispatch, packing) would show. The aim is never to be the slower one; below 4×4×4 the
// argument check and the call still cost a few ns more than the naive loop (docs/performance.md).
// Run: dotnet run -c Release --project Apd.Benchmarks -- --filter '*GemmTinyBenchmarks*'
using Apd.Engine.Blas;
using Apd.Engine.Kernels.Reference;
using BenchmarkDotNet.Attributes;

namespace Apd.Benchmarks.Blas;

public class GemmTinyBenchmarks
{
    private readonly ManagedBlas _managed = new(1);
    private float[] _a = null!, _b = null!, _c = null!;

    [Params("1x1x1", "2x3x4", "4x4x4", "1x64x1", "8x8x8", "3x17x5", "16x16x16", "24x24x24")]
    public string Shape { get; set; } = "";

    [Params(false, true)]
    public bool TransB { get; set; }

    private int _m, _k, _n;

    [GlobalSetup]
    public void Setup()
    {
        int[] d = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _k, _n) = (d[0], d[1], d[2]);
        var rng = new Random(3);
        _a = Enumerable.Range(0, _m * _k).Select(_ => (float)rng.NextDouble()).ToArray();
        _b = Enumerable.Range(0, _k * _n).Select(_ => (float)rng.NextDouble()).ToArray();
        _c = new float[_m * _n];
    }

    [Benchmark(Baseline = true)]
    public void Naive() => GemmReference.Gemm(false, TransB, _m, _n, _k, 1f, _a, _k, _b, TransB ? _k : _n, 0f, _c, _n);

    [Benchmark]
    public void Managed() => _managed.Sgemm(Transpose.No, TransB ? Transpose.Yes : Transpose.No, _m, _n, _k, 1f, _a, _k, _b, TransB ? _k : _n, 0f, _c, _n);
}
