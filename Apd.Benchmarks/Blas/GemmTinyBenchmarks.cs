// The managed SGEMM against the naive triple loop (GemmReference) on tiny shapes, where fixed costs
// (validation, dispatch, packing) would show. The aim is never to be the slower one. Two naive rows: the loop as the
// JIT inlines it into the benchmark (constants folded, no call) and the same loop behind a call, as a library entry
// is; at 1×1×1 the call alone is most of the difference to the first (docs/performance.md).
// Run: dotnet run -c Release --project Apd.Benchmarks -- --filter '*GemmTinyBenchmarks*'
using Apd.Engine.Blas;
using Apd.Engine.Kernels.Reference;
using System.Runtime.CompilerServices;
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

    // The same naive loop behind a call the JIT may not inline: what any library entry costs at best, with its arguments
    // passed rather than folded into the caller (the baseline above is inlined with transA, alpha and beta constant).
    [Benchmark]
    public void NaiveBehindCall() => NaiveNotInlined(false, TransB, _m, _n, _k, 1f, _a, _k, _b, TransB ? _k : _n, 0f, _c, _n);

    [Benchmark]
    public void Managed() => _managed.Sgemm(Transpose.No, TransB ? Transpose.Yes : Transpose.No, _m, _n, _k, 1f, _a, _k, _b, TransB ? _k : _n, 0f, _c, _n);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void NaiveNotInlined(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => GemmReference.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
