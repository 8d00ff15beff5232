// `apd bench apd-step`: milliseconds per APD training step (LeNet, 3×32×32, batch 100) while learning task T
// with T − 1 synthetic learned tasks (random masks, τ_i at --density), for each T in --tasks; median of
// --steps timed steps after --warmup. --peer also runs the PyTorch peer (Apd.Benchmarks/peers/apd_step.py,
// naive joint form) in the same run. --json FILE writes {"results": [{"tasks", "step_ms", ...}], "peer": {...}}.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Apd.Cli.Run;
using Apd.Engine.Decomposition;

namespace Apd.Cli.Commands;

public sealed class ApdStepBenchmark : IBenchmark
{
    public string Name => "apd-step";
    public string Summary => "APD training step vs learned tasks [--tasks 1,10,50,1000] [--density 0.02] [--l1-old 4e-4] [--steps 10] [--warmup 3] [--peer] [--peer-tasks 1,10,50] [--json FILE]";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = new CliArgs(args, "peer");
        int[] tasks = Ints(cli.String("tasks", "1,10,50,1000"), "tasks");
        double density = cli.Double("density", 0.02);
        var objective = new ApdObjectiveOptions();
        objective = objective with { RetroactiveL1 = cli.Double("l1-old", objective.RetroactiveL1) };
        int steps = cli.Int("steps", 10), warmup = cli.Int("warmup", 3), seed = cli.Int("seed", 1);
        bool peer = cli.Flag("peer");
        int[] peerTasks = Ints(cli.String("peer-tasks", string.Join(",", tasks.Where(t => t <= 50))), "peer-tasks");
        string? peerScript = cli.String("peer-script");
        string? jsonPath = cli.String("json");
        cli.RejectUnknown();
        if (steps < 1 || warmup < 0) throw new CliUsageException("--steps must be ≥ 1 and --warmup ≥ 0");
        if (!(density >= 0 && density <= 0.5)) throw new CliUsageException("--density must be in [0, 0.5]");

        stdout.WriteLine($"machine: {SystemInfo.CpuModel()}, {Environment.ProcessorCount} logical cores, load {SystemInfo.LoadAverage()}");
        stdout.WriteLine($"APD LeNet step, 3×32×32, batch 100, τ_i density {density}, κ = λ1_old/λ2 = {objective.Kappa:G3}, median of {steps} interleaved rounds after {warmup} warm-up steps");
        stdout.WriteLine("×first = median over rounds of (this step / the first task count's step in the same round)");
        stdout.WriteLine($"{"tasks",6}{"step ms",10}{"min ms",9}{"×first",9}{"build s",9}{"fix-ups/step",13}{"terms ms",10}");
        // Build every scenario first, then interleave their timed steps round by round, so that the
        // machine's load (shared with other jobs) hits every task count alike; ratios are per round.
        var benches = new List<ApdTrainingStep>();
        var builds = new List<double>();
        foreach (int t in tasks)
        {
            var clock = Stopwatch.StartNew();
            benches.Add(new ApdTrainingStep(() => ApdNetwork.LeNet(3, 32, 32, seed), t, density, 100, 10, objective, seed));
            builds.Add(clock.Elapsed.TotalSeconds);
            for (int i = 0; i < warmup; i++) benches[^1].Step();
        }
        var plain = new PlainLeNetStep(seed);
        for (int i = 0; i < warmup; i++) plain.Step();
        var plainSamples = new List<double>();
        long[] fixUpsBefore = benches.Select(b => b.FixUps).ToArray();
        var samples = benches.Select(_ => new List<double>()).ToArray();
        var terms = benches.Select(_ => new List<double>()).ToArray();
        var ratios = benches.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < steps; round++)
        {
            long plainStart = Stopwatch.GetTimestamp();
            plain.Step();
            plainSamples.Add(Stopwatch.GetElapsedTime(plainStart).TotalMilliseconds);
            for (int k = 0; k < benches.Count; k++)
            {
                long start = Stopwatch.GetTimestamp();
                benches[k].Step();
                samples[k].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                terms[k].Add(benches[k].LastTermsMilliseconds);
                ratios[k].Add(samples[k][^1] / samples[0][^1]);
            }
        }
        var results = new List<JsonObject>();
        double? first = Median(samples[0]);
        for (int k = 0; k < benches.Count; k++)
        {
            double median = Median(samples[k]), ratio = Median(ratios[k]);
            double fixUps = (double)(benches[k].FixUps - fixUpsBefore[k]) / steps;
            stdout.WriteLine($"{tasks[k],6}{median,10:F1}{samples[k].Min(),9:F1}{ratio,9:F2}{builds[k],9:F1}{fixUps,13:F0}{Median(terms[k]),10:F1}");
            results.Add(new JsonObject
            {
                ["tasks"] = tasks[k],
                ["step_ms"] = Math.Round(median, 2),
                ["min_ms"] = Math.Round(samples[k].Min(), 2),
                ["ratio_to_first"] = Math.Round(ratio, 3),
                ["build_seconds"] = Math.Round(builds[k], 2),
                ["fixups_per_step"] = Math.Round(fixUps, 0),
                ["terms_ms"] = Math.Round(Median(terms[k]), 2),
            });
        }
        double plainMedian = Median(plainSamples);
        stdout.WriteLine($"plain LeNet step (same rounds, no decomposition): {plainMedian:F1} ms; APD {tasks[0]}-task step / plain: {Median(samples[0]) / plainMedian:F2}");
        benches.Clear();
        GC.Collect();

        JsonNode? peerResult = null;
        if (peer)
        {
            peerResult = RunPeer(peerScript ?? FindPeerScript(), peerTasks, density, steps, warmup, stdout);
            if (peerResult?["results"] is JsonArray pr && pr.FirstOrDefault(r => (int)r!["tasks"]! == tasks[0]) is { } p && first is not null)
                stdout.WriteLine($"Apd {tasks[0]}-task step / PyTorch {tasks[0]}-task step: {first.Value / (double)p["step_ms"]!:F2}");
        }
        stdout.WriteLine($"load after: {SystemInfo.LoadAverage()}");
        if (jsonPath is not null)
        {
            var doc = new JsonObject
            {
                ["results"] = new JsonArray([.. results]),
                ["density"] = density,
                ["plain_lenet_step_ms"] = Math.Round(plainMedian, 2),
                ["steps"] = steps,
                ["machine"] = new JsonObject { ["cpu"] = SystemInfo.CpuModel(), ["load"] = SystemInfo.LoadAverage() },
            };
            if (peerResult is not null) doc["peer"] = peerResult;
            JsonReport.Write(jsonPath, doc);
            stdout.WriteLine($"wrote {jsonPath}");
        }
        return 0;
    }

    /// <summary>The same step on the plain multi-head LeNet (no decomposition): the baseline APD's own cost is read against.</summary>
    private sealed class PlainLeNetStep
    {
        private readonly Apd.Engine.Layers.MultiHeadNetwork _net;
        private readonly Apd.Engine.Optim.Adam _adam;
        private readonly IReadOnlyList<Apd.Engine.Tensors.Parameter> _parameters;
        private readonly float[] _x = new float[100 * 3 * 32 * 32], _logits = new float[1000], _dLogits = new float[1000];
        private readonly int[] _labels = new int[100];

        public PlainLeNetStep(int seed)
        {
            _net = Apd.Engine.Layers.LeNet.Create(3, 32, 32, seed);
            _net.BeginTask(0, 10);
            _parameters = _net.TrainableParameters(0);
            _adam = new Apd.Engine.Optim.Adam(_parameters);
            var rng = new Random(seed);
            for (int i = 0; i < _x.Length; i++) _x[i] = (float)rng.NextDouble();
            for (int i = 0; i < _labels.Length; i++) _labels[i] = rng.Next(10);
        }

        public void Step()
        {
            foreach (var p in _parameters) p.ZeroGrad();
            _net.Forward(0, _x, 100, _logits);
            Apd.Engine.Kernels.SoftmaxCrossEntropy.Forward<float>(_logits, _labels, _dLogits, 100, 10);
            _net.Backward(0, _dLogits, 100);
            _adam.Step(1e-3f);
        }
    }

    private static JsonNode? RunPeer(string script, int[] tasks, double density, int steps, int warmup, TextWriter stdout)
    {
        if (!File.Exists("/usr/bin/python3")) throw new InvalidOperationException("--peer needs /usr/bin/python3 with PyTorch");
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { script, "--tasks", string.Join(",", tasks), "--density", density.ToString(CultureInfo.InvariantCulture),
                     "--steps", steps.ToString(CultureInfo.InvariantCulture), "--warmup", Math.Max(1, warmup).ToString(CultureInfo.InvariantCulture), "--threads", "2" })
            psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "2";
        stdout.WriteLine($"peer: /usr/bin/python3 {string.Join(" ", psi.ArgumentList)}");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the PyTorch peer");
        var errTask = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"PyTorch peer failed (exit {process.ExitCode}): {errTask.Result.Trim()}");
        var node = JsonNode.Parse(output.Trim().Split('\n')[^1]);
        if (node?["results"] is JsonArray arr)
            foreach (var r in arr) stdout.WriteLine($"  PyTorch (naive joint form) tasks {r!["tasks"],5}: {r["step_ms"]} ms");
        return node;
    }

    private static string FindPeerScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "Apd.Benchmarks", "peers", "apd_step.py");
            if (File.Exists(candidate)) return candidate;
        }
        throw new CliUsageException("cannot find Apd.Benchmarks/peers/apd_step.py above the program; pass --peer-script PATH");
    }

    private static int[] Ints(string text, string option) => text.Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 1 ? v : throw new CliUsageException($"--{option} expects a list like 1,10,50, got '{s}'"))
        .ToArray();

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
