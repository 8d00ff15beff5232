// `apd bench gemm`: GFLOP/s of every available GEMM provider on the engine's shapes at 1 and 2 threads,
// median of several timed runs, providers interleaved run by run so machine load hits them alike
// (with a pause between providers at 2+ threads so one library's spinning idle threads do not slow the other);
// prints the managed/OpenBLAS ratio per shape. --json FILE writes {"results": [{provider, threads, m, k, n, ta, tb, gflops}]}.
using System.Diagnostics;
using System.Globalization;
using Apd.Cli.Run;
using Apd.Engine.Blas;

namespace Apd.Cli.Commands;

public sealed class GemmBenchmark : IBenchmark
{
    public string Name => "gemm";
    public string Summary => "GEMM GFLOP/s per provider on the engine's shapes [--quick] [--runs N] [--min-ms T] [--pause-ms P] [--threads 1,2] [--providers managed,openblas,mkl,mathnet] [--shapes MxKxN:NT,...] [--json FILE]";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = new CliArgs(args, "quick");
        bool quick = cli.Flag("quick");
        int runs = cli.Int("runs", quick ? 3 : 9);
        double minSeconds = cli.Double("min-ms", quick ? 10 : 40) / 1000;
        int[] threadCounts = cli.String("threads", "1,2").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, out int t) && t > 0 ? t : throw new CliUsageException($"--threads expects a list like 1,2, got '{s}'")).ToArray();
        string[] wanted = cli.String("providers", "managed,openblas,mkl").Split(',', StringSplitOptions.RemoveEmptyEntries);
        string? jsonPath = cli.String("json");
        int pauseMs = cli.Int("pause-ms", 150);
        IReadOnlyList<GemmShape> shapes = cli.String("shapes") is { } list ? ParseShapes(list) : GemmShape.Engine;
        cli.RejectUnknown();
        if (runs < 1) throw new CliUsageException("--runs must be at least 1");

        var providers = new List<IBlas>();
        foreach (string name in wanted)
        {
            if (name == "managed") providers.Add(new ManagedBlas());
            else if (name is "openblas" or "mkl")
            {
                var native = BlasProvider.TryNative(name, out string reason);
                if (native is null) stdout.WriteLine($"note: {name} not available ({reason})");
                else providers.Add(native);
            }
            else if (name == "mathnet") providers.Add(new MathNetBlas());
            else throw new CliUsageException($"unknown provider '{name}' (managed, openblas, mkl, mathnet)");
        }
        if (providers.Count == 0) throw new CliUsageException("no provider to benchmark");

        stdout.WriteLine($"machine: {SystemInfo.CpuModel()}, {Environment.ProcessorCount} logical cores, load {SystemInfo.LoadAverage()}");
        foreach (var p in providers) stdout.WriteLine($"  {p.Describe()}");
        if (SystemInfo.OpenBlasCoreTypeNote() is { } note) stdout.WriteLine($"note: {note}");
        stdout.WriteLine($"median of {runs} runs, each ≥ {minSeconds * 1000:F0} ms; GFLOP/s = 2·M·K·N / time");
        stdout.WriteLine();
        stdout.Write($"{"shape (MxKxN op)",-22}{"thr",4}");
        foreach (var p in providers) stdout.Write($"{p.Name,10}");
        bool ratio = providers.Any(p => p.Name == "managed") && providers.Any(p => p.Name == "openblas");
        stdout.WriteLine(ratio ? "  managed/openblas" : "");

        var results = new List<Result>();
        foreach (var shape in shapes)
        {
            var data = new Operands(shape);
            foreach (int threads in threadCounts)
            {
                foreach (var p in providers) p.Threads = threads;
                var samples = providers.Select(_ => new List<double>()).ToArray();
                for (int i = 0; i < providers.Count; i++) Time(providers[i], data, 0.0); // warm-up (JIT, packing buffers, thread start)
                int[] reps = providers.Select(p => RepetitionsFor(p, data, minSeconds)).ToArray();
                for (int r = 0; r < runs; r++)
                    for (int i = 0; i < providers.Count; i++)
                    {
                        // Let the previous provider's idle threads stop spinning (OpenBLAS's spin for ~2^28 cycles,
                        // the managed ones for 2 ms) so they do not take cycles from the one being timed.
                        if (threads > 1 && providers.Count > 1 && pauseMs > 0)
                        {
                            Thread.Sleep(pauseMs);
                            Time(providers[i], data, 0.0); // untimed: wakes the provider's threads
                        }
                        samples[i].Add(shape.Flops * reps[i] / Time(providers[i], data, reps[i]) / 1e9);
                    }
                stdout.Write($"{shape,-22}{threads,4}");
                double? managed = null, openblas = null;
                for (int i = 0; i < providers.Count; i++)
                {
                    double gflops = Median(samples[i]);
                    results.Add(new Result(providers[i].Name, threads, shape.M, shape.K, shape.N,
                        shape.TransA == Transpose.No ? "N" : "T", shape.TransB == Transpose.No ? "N" : "T", Math.Round(gflops, 2)));
                    if (providers[i].Name == "managed") managed = gflops;
                    if (providers[i].Name == "openblas") openblas = gflops;
                    stdout.Write($"{gflops,10:F1}");
                }
                stdout.WriteLine(ratio ? $"  {managed / openblas,8:F2}" : "");
            }
        }
        foreach (var p in providers) (p as IDisposable)?.Dispose();

        if (jsonPath is not null)
        {
            var doc = new Dictionary<string, object>
            {
                ["results"] = results,
                ["machine"] = new Dictionary<string, string>
                {
                    ["cpu"] = SystemInfo.CpuModel(),
                    ["load"] = SystemInfo.LoadAverage(),
                    ["openblas_coretype"] = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "",
                    ["runs"] = runs.ToString(CultureInfo.InvariantCulture),
                },
            };
            JsonReport.Write(jsonPath, doc);
            stdout.WriteLine($"wrote {jsonPath}");
        }
        return 0;
    }

    private sealed record Result(
        [property: System.Text.Json.Serialization.JsonPropertyName("provider")] string Provider,
        [property: System.Text.Json.Serialization.JsonPropertyName("threads")] int Threads,
        [property: System.Text.Json.Serialization.JsonPropertyName("m")] int M,
        [property: System.Text.Json.Serialization.JsonPropertyName("k")] int K,
        [property: System.Text.Json.Serialization.JsonPropertyName("n")] int N,
        [property: System.Text.Json.Serialization.JsonPropertyName("ta")] string Ta,
        [property: System.Text.Json.Serialization.JsonPropertyName("tb")] string Tb,
        [property: System.Text.Json.Serialization.JsonPropertyName("gflops")] double Gflops);

    private sealed class Operands(GemmShape s)
    {
        public readonly GemmShape Shape = s;
        public readonly float[] A = Fill(s.M * s.K, 1);
        public readonly float[] B = Fill(s.K * s.N, 2);
        public readonly float[] C = new float[s.M * s.N];

        private static float[] Fill(int n, int seed)
        {
            var rng = new Random(seed);
            var r = new float[n];
            for (int i = 0; i < n; i++) r[i] = (float)(rng.NextDouble() - 0.5);
            return r;
        }
    }

    // Seconds for `reps` calls (one call when reps is 0, for warm-up).
    private static double Time(IBlas blas, Operands d, double reps)
    {
        var s = d.Shape;
        int count = Math.Max(1, (int)reps);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
            blas.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, d.A, s.Lda, d.B, s.Ldb, 0f, d.C, s.N);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static int RepetitionsFor(IBlas blas, Operands d, double minSeconds)
    {
        int reps = 1;
        while (true)
        {
            double t = Time(blas, d, reps);
            if (t >= minSeconds || reps >= 1 << 20) return reps;
            reps = (int)Math.Min(1 << 20, Math.Max(reps * 2, reps * 1.2 * minSeconds / Math.Max(t, 1e-7)));
        }
    }

    // "20x50000x75:NT,1024x1024x1024" — M×K×N, then op(A) op(B) (default NN).
    private static GemmShape[] ParseShapes(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(item =>
    {
        string[] parts = item.Split(':');
        int[] d = parts[0].Split('x').Select(x => int.TryParse(x, out int v) && v > 0 ? v : -1).ToArray();
        string ops = parts.Length > 1 ? parts[1].ToUpperInvariant() : "NN";
        if (d.Length != 3 || d.Any(v => v < 0) || ops.Length != 2 || ops.Any(o => o is not ('N' or 'T')))
            throw new CliUsageException($"--shapes expects MxKxN[:NN|NT|TN|TT] items, got '{item}'");
        return new GemmShape(d[0], d[1], d[2], ops[0] == 'T' ? Transpose.Yes : Transpose.No, ops[1] == 'T' ? Transpose.Yes : Transpose.No);
    }).ToArray();

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
