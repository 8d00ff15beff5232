// `apd bench step`: the authors' LeNet in one process — a training step at batch 100 (zero grads, forward,
// softmax cross-entropy, backward, Adam) and inference at batch 100 and batch 1, for 3×32×32 (lenet-cifar)
// and 1×28×28 (lenet-fmnist); warm-up, then the median of ≥ 20 timed repetitions. --peer runs the PyTorch
// script Apd.Benchmarks/peers/lenet_step.py in the same run and prints Apd/PyTorch ratios.
// --json FILE writes {"results": [{workload, threads, train_step_ms, infer_b100_ms, infer_b1_ms}], ...}.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using Apd.Cli.Run;
using Apd.Engine.Blas;
using Apd.Engine.Kernels;
using Apd.Engine.Layers;
using Apd.Engine.Optim;

namespace Apd.Cli.Commands;

public sealed class StepBenchmark : IBenchmark
{
    public string Name => "step";
    public string Summary => "LeNet train step (batch 100, Adam) and inference (batch 100, 1) [--steps N] [--threads T] [--conv-workers W] [--conv-group-kb K] [--layers] [--workload lenet-cifar|lenet-fmnist] [--peer] [--json FILE]";

    private static readonly (string Name, int C, int H, int W)[] Workloads = [("lenet-cifar", 3, 32, 32), ("lenet-fmnist", 1, 28, 28)];

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = new CliArgs(args, "peer", "layers");
        int steps = cli.Int("steps", 20);
        int warmup = cli.Int("warmup", 3);
        int threads = cli.Int("threads", 2);
        int convWorkers = cli.Int("conv-workers", threads);
        int groupKb = cli.Int("conv-group-kb", -1);
        string workload = cli.String("workload", "all");
        bool peer = cli.Flag("peer");
        bool layers = cli.Flag("layers");
        string? peerScript = cli.String("peer-script");
        string? jsonPath = cli.String("json");
        cli.RejectUnknown();
        if (steps < 1 || warmup < 0 || threads < 1) throw new CliUsageException("--steps and --threads must be positive, --warmup non-negative");
        var chosen = Workloads.Where(w => workload == "all" || w.Name == workload).ToArray();
        if (chosen.Length == 0) throw new CliUsageException($"unknown workload '{workload}' (lenet-cifar, lenet-fmnist, all)");

        BlasProvider.Threads = threads;
        if (convWorkers < 1) throw new CliUsageException("--conv-workers must be positive");
        BatchParallel.MaxWorkers = convWorkers;
        if (groupKb > 0) Conv2dLayer.GroupElements = groupKb * 1024 / sizeof(float);
        string loadBefore = SystemInfo.LoadAverage();
        stdout.WriteLine($"machine: {SystemInfo.CpuModel()}, {Environment.ProcessorCount} logical cores, load {loadBefore}");
        stdout.WriteLine($"  {BlasProvider.Current.Describe()}; conv batch split over {convWorkers} worker(s)");
        stdout.WriteLine($"warm-up {warmup}, then the median of {steps} repetitions (batch 1: of {Math.Max(steps, 200)})");

        var results = chosen.Select(w => Measure(w.Name, w.C, w.H, w.W, threads, steps, warmup)).ToList();
        if (layers)
            foreach (var w in chosen) ProfileLayers(w.Name, w.C, w.H, w.W, steps, stdout);
        List<StepResult>? peers = null;
        if (peer) peers = RunPeer(peerScript, threads, steps, warmup, workload, stdout, stderr);

        stdout.WriteLine();
        stdout.WriteLine($"{"workload",-20}{"threads",8}{"train_step_ms",15}{"img/s",9}{"infer_b100_ms",15}{"infer_b1_ms",13}");
        foreach (var r in results) PrintRow(stdout, "apd " + r.Workload, r);
        if (peers is not null)
        {
            foreach (var r in peers) PrintRow(stdout, "torch " + r.Workload, r);
            stdout.WriteLine();
            stdout.WriteLine($"{"ratio apd/torch",-28}{"train",15}{"",9}{"infer_b100",15}{"infer_b1",13}");
            foreach (var r in results)
                if (peers.FirstOrDefault(p => p.Workload == r.Workload) is { } p)
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{r.Workload,-28}{r.TrainStepMs / p.TrainStepMs,15:F3}{"",9}{r.InferB100Ms / p.InferB100Ms,15:F3}{r.InferB1Ms / p.InferB1Ms,13:F3}"));
        }
        string loadAfter = SystemInfo.LoadAverage();
        stdout.WriteLine($"load average before {loadBefore}, after {loadAfter}");

        if (jsonPath is not null)
        {
            var doc = new Dictionary<string, object>
            {
                ["results"] = results,
                ["machine"] = new Dictionary<string, string>
                {
                    ["cpu"] = SystemInfo.CpuModel(),
                    ["load_before"] = loadBefore,
                    ["load_after"] = loadAfter,
                    ["blas"] = BlasProvider.Current.Describe(),
                },
            };
            if (peers is not null) doc["peer"] = peers;
            JsonReport.Write(jsonPath, doc);
            stdout.WriteLine($"wrote {jsonPath}");
        }
        return 0;
    }

    private static void PrintRow(TextWriter w, string label, StepResult r) =>
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-20}{r.Threads,8}{r.TrainStepMs,15:F2}{100_000 / r.TrainStepMs,9:F0}{r.InferB100Ms,15:F2}{r.InferB1Ms,13:F3}"));

    /// <summary>Times one workload: a LeNet with a 10-class head on a fixed random batch.</summary>
    public static StepResult Measure(string name, int c, int h, int w, int threads, int steps, int warmup)
    {
        const int batch = 100, classes = 10;
        var net = LeNet.Create(c, h, w, seed: 1);
        net.BeginTask(0, classes);
        var parameters = net.TrainableParameters(0);
        var adam = new Adam(parameters);
        var rng = new Random(7);
        float[] x = new float[batch * c * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        int[] labels = Enumerable.Range(0, batch).Select(_ => rng.Next(classes)).ToArray();
        float[] logits = new float[batch * classes], dLogits = new float[batch * classes];
        float[] x1 = x[..(c * h * w)], logits1 = new float[classes];

        void Step()
        {
            foreach (var p in parameters) p.ZeroGrad();
            net.Forward(0, x, batch, logits);
            SoftmaxCrossEntropy.Forward<float>(logits, labels, dLogits, batch, classes);
            net.Backward(0, dLogits, batch);
            adam.Step(1e-3f);
        }

        double train = MedianMs(Step, warmup, steps);
        double b100 = MedianMs(() => net.Predict(0, x, batch, logits), warmup, steps);
        double b1 = MedianMs(() => net.Predict(0, x1, 1, logits1), 20, Math.Max(steps, 200));
        return new StepResult(name, threads, Math.Round(train, 3), Math.Round(b100, 3), Math.Round(b1, 4));
    }

    /// <summary>Median forward and backward time of each layer at batch 100 (where a training step goes).</summary>
    private static void ProfileLayers(string name, int c, int h, int w, int reps, TextWriter stdout)
    {
        const int batch = 100;
        var net = LeNet.Create(c, h, w, seed: 1);
        net.BeginTask(0, 10);
        ILayer[] layers = [.. net.Trunk, net.Head(0)];
        var rng = new Random(3);
        var acts = new float[layers.Length + 1][];
        acts[0] = new float[batch * c * h * w];
        for (int i = 0; i < acts[0].Length; i++) acts[0][i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < layers.Length; i++) acts[i + 1] = new float[batch * layers[i].OutputSize];
        var pass = new LayerPass(0, batch);
        stdout.WriteLine();
        stdout.WriteLine($"{name}: per-layer median ms at batch {batch}");
        stdout.WriteLine($"{"layer",-14}{"forward",10}{"backward",10}{"fwd cpu",10}{"bwd cpu",10}   (cpu: process CPU ms per call, all threads)");
        double totalF = 0, totalB = 0, totalFc = 0, totalBc = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            var layer = layers[i];
            float[] x = acts[i], y = acts[i + 1];
            float[] dy = new float[y.Length], dx = i == 0 ? [] : new float[x.Length];
            for (int k = 0; k < dy.Length; k++) dy[k] = (float)(rng.NextDouble() - 0.5) * 1e-2f;
            double f = MedianMs(() => layer.Forward(pass, x, y), 2, reps);
            double b = MedianMs(() => layer.Backward(pass, x, y, dy, dx), 2, reps);
            double fc = CpuMs(() => layer.Forward(pass, x, y), reps);
            double bc = CpuMs(() => layer.Backward(pass, x, y, dy, dx), reps);
            totalF += f;
            totalB += b;
            totalFc += fc;
            totalBc += bc;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{layer.Name,-14}{f,10:F2}{b,10:F2}{fc,10:F2}{bc,10:F2}"));
        }
        var adam = new Adam(net.TrainableParameters(0));
        double a = MedianMs(() => adam.Step(1e-3f), 2, reps), ac = CpuMs(() => adam.Step(1e-3f), reps);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"total",-14}{totalF,10:F2}{totalB,10:F2}{totalFc,10:F2}{totalBc,10:F2}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"adam step",-14}{"",10}{a,10:F2}{"",10}{ac,10:F2}"));
        stdout.WriteLine($"{name}: per-layer Infer at batch 1, median µs");
        double total1 = 0;
        BlasGemm.SerialOnThisThread = true; // as MultiHeadNetwork.Predict runs a batch of 1
        try
        {
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = layers[i];
                float[] x = acts[i][..layer.InputSize], y = new float[layer.OutputSize];
                var one = new LayerPass(0, 1);
                double t = MedianMs(() => layer.Infer(one, x, y), 20, 400) * 1000;
                total1 += t;
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {layer.Name,-14}{t,10:F1}"));
            }
        }
        finally
        {
            BlasGemm.SerialOnThisThread = false;
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"total",-14}{total1,10:F1}"));
    }

    // Process CPU time per call over enough calls (≥ 200 ms of CPU) to outlast the clock's tick.
    private static double CpuMs(Action action, int reps)
    {
        using var self = Process.GetCurrentProcess();
        int calls = 0;
        self.Refresh();
        TimeSpan start = self.TotalProcessorTime;
        long wall = Stopwatch.GetTimestamp();
        do
        {
            for (int i = 0; i < reps; i++) action();
            calls += reps;
            self.Refresh();
        }
        while ((self.TotalProcessorTime - start).TotalMilliseconds < 200 && Stopwatch.GetElapsedTime(wall).TotalSeconds < 5);
        return (self.TotalProcessorTime - start).TotalMilliseconds / calls;
    }

    private static double MedianMs(Action action, int warmup, int reps)
    {
        for (int i = 0; i < warmup; i++) action();
        var samples = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(samples);
        return reps % 2 == 1 ? samples[reps / 2] : (samples[reps / 2 - 1] + samples[reps / 2]) / 2;
    }

    private static List<StepResult>? RunPeer(string? script, int threads, int steps, int warmup, string workload, TextWriter stdout, TextWriter stderr)
    {
        script ??= FindPeerScript();
        if (script is null || !File.Exists(script))
        {
            stderr.WriteLine("note: peer script Apd.Benchmarks/peers/lenet_step.py not found (give --peer-script PATH); no PyTorch comparison");
            return null;
        }
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        string json = Path.Combine(Path.GetTempPath(), $"apd-peer-{Environment.ProcessId}.json");
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { script, "--json", json, "--threads", threads.ToString(CultureInfo.InvariantCulture),
                     "--steps", steps.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture), "--workload", workload })
            psi.ArgumentList.Add(a);
        psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        psi.Environment.Remove("OPENBLAS_L2_SIZE");
        stdout.WriteLine($"peer: {python} {script} (torch.set_num_threads({threads}), OPENBLAS_NUM_THREADS=1, OPENBLAS_CORETYPE unset)");
        try
        {
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start python");
            string output = process.StandardOutput.ReadToEnd();
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(json))
            {
                stderr.WriteLine($"note: the PyTorch peer failed (exit {process.ExitCode}): {errors.Trim()}");
                return null;
            }
            foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(1)) stdout.WriteLine("peer: " + line);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            return doc.RootElement.GetProperty("results").EnumerateArray()
                .Select(e => new StepResult(e.GetProperty("workload").GetString()!, e.GetProperty("threads").GetInt32(),
                    e.GetProperty("train_step_ms").GetDouble(), e.GetProperty("infer_b100_ms").GetDouble(), e.GetProperty("infer_b1_ms").GetDouble()))
                .ToList();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            stderr.WriteLine($"note: could not run {python}: {e.Message}");
            return null;
        }
        finally
        {
            if (File.Exists(json)) File.Delete(json);
        }
    }

    // Walks up from the executable and the working directory to Apd.Benchmarks/peers/lenet_step.py.
    private static string? FindPeerScript()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "Apd.Benchmarks", "peers", "lenet_step.py");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}

public sealed record StepResult(
    [property: JsonPropertyName("workload")] string Workload,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("train_step_ms")] double TrainStepMs,
    [property: JsonPropertyName("infer_b100_ms")] double InferB100Ms,
    [property: JsonPropertyName("infer_b1_ms")] double InferB1Ms);
