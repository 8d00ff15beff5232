// SGEMM on the engine's shapes (GemmShape.Engine) at 1 and 2 threads: the managed GEMM against
// OpenBLAS (when installed) and MathNet.Numerics' managed provider, with a GFLOP/s column.
// Run: dotnet run -c Release --project Apd.Benchmarks -- --filter '*GemmBenchmarks*'
// (unset OPENBLAS_CORETYPE for OpenBLAS's AVX-512 kernels: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...).
using Apd.Engine.Blas;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Apd.Benchmarks.Blas;

[Config(typeof(GflopsConfig))]
public class GemmBenchmarks
{
    private ManagedBlas _managed = null!;
    private NativeBlas? _openBlas;
    private float[] _a = null!, _b = null!, _c = null!;
    private Matrix<float> _ma = null!, _mb = null!, _mc = null!;

    public static IEnumerable<GemmShape> Shapes => GemmShape.Engine;

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _managed = new ManagedBlas(Threads);
        _openBlas = BlasProvider.TryNative("openblas", out _);
        if (_openBlas is not null) _openBlas.Threads = Threads;
        var rng = new Random(1);
        _a = Enumerable.Range(0, Shape.M * Shape.K).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, Shape.K * Shape.N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[Shape.M * Shape.N];
        Control.UseManaged();
        Control.MaxDegreeOfParallelism = Threads;
        // MathNet is column-major: storing op(A) as given only changes which of its transposed products runs.
        _ma = Shape.TransA == Transpose.No ? Matrix<float>.Build.Dense(Shape.M, Shape.K, _a) : Matrix<float>.Build.Dense(Shape.K, Shape.M, _a);
        _mb = Shape.TransB == Transpose.No ? Matrix<float>.Build.Dense(Shape.K, Shape.N, _b) : Matrix<float>.Build.Dense(Shape.N, Shape.K, _b);
        _mc = Matrix<float>.Build.Dense(Shape.M, Shape.N);
    }

    [GlobalCleanup]
    public void Cleanup() => _managed.Dispose();

    [Benchmark(Baseline = true)]
    public void Managed() => Run(_managed);

    [Benchmark]
    public void OpenBlas()
    {
        if (_openBlas is null) throw new InvalidOperationException("OpenBLAS (libopenblas.so.0) is not installed.");
        Run(_openBlas);
    }

    [Benchmark]
    public void MathNetManaged()
    {
        switch (Shape.TransA, Shape.TransB)
        {
            case (Transpose.No, Transpose.No): _ma.Multiply(_mb, _mc); break;
            case (Transpose.Yes, Transpose.No): _ma.TransposeThisAndMultiply(_mb, _mc); break;
            case (Transpose.No, Transpose.Yes): _ma.TransposeAndMultiply(_mb, _mc); break;
            default: _ma.Transpose().TransposeAndMultiply(_mb, _mc); break;
        }
    }

    private void Run(IBlas blas) =>
        blas.Sgemm(Shape.TransA, Shape.TransB, Shape.M, Shape.N, Shape.K, 1f, _a, Shape.Lda, _b, Shape.Ldb, 0f, _c, Shape.N);

    private sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() => AddColumn(new GflopsColumn());
    }

    /// <summary>2·M·K·N divided by the mean time of the case.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPS";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2·M·K·N / mean time";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            var shape = (GemmShape)benchmarkCase.Parameters["Shape"];
            return (shape.Flops / stats.Mean).ToString("F1", System.Globalization.CultureInfo.InvariantCulture); // mean is in ns
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    }
}
