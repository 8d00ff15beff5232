// `apd run`: learn a benchmark's tasks in sequence with one method, print progress and the accuracy
// matrix, and optionally write the results JSON (schema apd-run/1, docs/results-schema.md).
using System.Diagnostics;
using System.Globalization;
using Apd.Cli.Run;
using Apd.Data;
using Apd.Engine.Checkpoints;
using Apd.Engine.Decomposition;
using Apd.Engine.Layers;
using Apd.Engine.Training;

namespace Apd.Cli.Commands;

public sealed class RunCommand : ICommand
{
    public string Name => "run";
    public string Summary => "learn a benchmark's tasks in sequence (apd, stl, finetune, ewc, l2t); --help for options";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, "help", "verbose", "random-order", "download");
        if (a.Flag("help"))
        {
            PrintHelp(stdout);
            return 0;
        }
        var (config, saved, earlier) = a.String("resume") is { } resume ? Resumed(a, resume) : (Parse(a), null, null);
        int? stopAfterOption = a.String("stop-after") is null ? null : a.Int("stop-after", 0);
        a.RejectUnknown();

        var clock = Stopwatch.StartNew();
        var sequence = ContinualBenchmarks.Load(config.Benchmark, new BenchmarkOptions
        {
            DataDir = config.DataDir,
            Seed = config.Seed,
            TrainPerTask = config.TrainPerTask,
            TestPerTask = config.TestPerTask,
            Order = config.Order,
            PaperOrder = config.PaperOrder,
            RandomOrder = config.RandomOrder,
            ValidationFraction = config.ValidationFraction,
            Normalization = config.Normalization,
            Download = config.Download,
        });
        // With --validation the accuracy matrix is measured on the held-out training images: tuning never sees the test split.
        bool onValidation = config.ValidationFraction > 0;
        var tasks = sequence.Tasks.Select(t => new TaskData(t.Name, t.Train, onValidation ? t.Validation! : t.Test)).ToArray();
        var architecture = NetworkArchitecture.For(sequence.Channels, sequence.Height, sequence.Width);
        var (model, hooks) = Methods.Create(config, architecture, saved);
        stdout.WriteLine(Invariant($"apd run: {config.Benchmark} ({tasks.Length} task(s), {sequence.Channels}×{sequence.Height}×{sequence.Width}, {tasks.Sum(t => t.Train.Count)} training images), method {config.Method}, network {architecture.Name}, {config.Epochs} epoch(s)/task, batch {config.Batch}, lr {config.LearningRate}, seed {config.Seed}"));
        if (onValidation)
            stdout.WriteLine(Invariant($"evaluating on the validation split ({config.ValidationFraction:P0} of each task's training images, {tasks.Sum(t => t.Test.Count)} images); the test split is not used"));
        if (earlier is not null)
            stdout.WriteLine($"resuming from {config.ResumePath}: {earlier.Tasks.Count} task(s) already learned");

        var trainer = new ContinualTrainer(model, new TrainerOptions
        {
            Epochs = config.Epochs,
            BatchSize = config.Batch,
            LearningRate = config.LearningRate,
            DecayPerEpoch = config.DecayPerEpoch,
            Seed = config.Seed,
        }, hooks);
        if (config.Verbose)
            trainer.EpochCompleted = e => stdout.WriteLine(Invariant($"  task {e.TaskId + 1} epoch {e.Epoch + 1}/{config.Epochs}: loss {e.MeanLoss:F4}, lr {e.LearningRate:G4}"));
        trainer.TaskCompleted = r =>
        {
            double avg = r.Accuracies.Average();
            string capacity = r.Capacity is { } c ? Invariant($", capacity {c.Capacity:F3}") : "";
            stdout.WriteLine(Invariant($"task {r.TaskId + 1}/{tasks.Length} [{r.TaskName}]: accuracy {r.Accuracies[^1]:F4}, average over {r.Accuracies.Count} {avg:F4}{capacity}, {r.Seconds:F1} s, {r.MsPerStep:F2} ms/step"));
            if (config.Verbose && model is ApdNetwork apd)
                stdout.WriteLine("  τ non-zeros per layer: " + string.Join(", ", apd.Weights.Select(w =>
                    Invariant($"{w.Name} {w.TaskIds.Sum(w.TauNonZeros)} (task {r.TaskId + 1}: {(w.HasTask(r.TaskId) ? w.TauNonZeros(r.TaskId) : 0)}), σ̃ {w.SharedNonZeros()} of {w.Length}"))));
        };
        ContinualRunResult? progress = earlier;
        if (config.SavePath is { } savePath)
            trainer.TaskCompleted += r =>
            {
                progress = ContinualRunResult.FromReports([.. progress?.Tasks ?? [], r]);
                RunCheckpoint.Save(savePath, model, hooks, config, progress);
                stdout.WriteLine($"  checkpoint saved to {savePath}");
            };
        int stopAfter = stopAfterOption ?? tasks.Length;
        if (stopAfter < 1) throw new CliUsageException($"--stop-after must be at least 1, got {stopAfter}");
        if (earlier is not null && stopAfter <= earlier.Tasks.Count)
            throw new CliUsageException($"--stop-after {stopAfter}: the checkpoint has already learned {earlier.Tasks.Count} task(s)");
        var result = trainer.Run(tasks[..Math.Min(stopAfter, tasks.Length)], earlier);
        double total = clock.Elapsed.TotalSeconds;

        PrintTable(stdout, result, total);
        if (config.JsonPath is { } path)
        {
            AtomicFile.Write(path, s => ResultsJson.Write(s, config, architecture.Name, result, total));
            stdout.WriteLine($"results written to {path}");
        }
        return 0;
    }

    private static RunConfig Parse(CliArgs a)
    {
        string bench = a.String("bench") ?? throw new CliUsageException("--bench NAME is required (e.g. split-digits, fmnist, split-fmnist, rotated-fmnist-10)");
        string method = a.String("method", "apd");
        if (!Methods.Names.Contains(method)) throw new CliUsageException($"unknown method '{method}'; choose one of {string.Join(", ", Methods.Names)}");
        var config = new RunConfig
        {
            Benchmark = bench,
            Method = method,
            Epochs = Positive(a, "epochs", DefaultEpochs(bench)),
            Batch = Positive(a, "batch", 100),
            LearningRate = PositiveFloat(a, "lr", 1e-3),
            DecayPerEpoch = (float)a.Double("lr-decay", 0.95),
            Seed = a.Int("seed", 1),
            TrainPerTask = a.String("train-per-task") is null ? null : Positive(a, "train-per-task", 1),
            TestPerTask = a.String("test-per-task") is null ? null : Positive(a, "test-per-task", 1),
            Order = ParseOrder(a.String("order")),
            PaperOrder = a.String("paper-order") is null ? null : PaperOrderIndex(a),
            RandomOrder = a.Flag("random-order"),
            ValidationFraction = ValidationFraction(a),
            Normalization = a.String("normalize", "unit") switch
            {
                "unit" => PixelNormalization.UnitRange,
                "meanstd" => PixelNormalization.MeanStd,
                var other => throw new CliUsageException($"--normalize expects unit or meanstd, got '{other}'"),
            },
            Download = a.Flag("download"),
            DataDir = a.String("data-dir"),
            JsonPath = a.String("json"),
            SavePath = a.String("save"),
            Verbose = a.Flag("verbose"),
            EwcLambda = NonNegativeFloat(a, "ewc-lambda", 1e4),
            EwcSamples = Positive(a, "ewc-samples", 200),
            L2tLambda = NonNegativeFloat(a, "l2t-lambda", 1),
        };
        var apd = new ApdObjectiveOptions();
        return config with
        {
            Apd = apd with
            {
                L1 = NonNegativeDouble(a, "l1", apd.L1),
                L1ByLayer = ParseLayerValues(a.String("l1-layer")),
                Reconstruction = NonNegativeDouble(a, "lambda-retro", apd.Reconstruction),
                RetroactiveL1 = NonNegativeDouble(a, "l1-old", apd.RetroactiveL1),
                Drift = NonNegativeDouble(a, "lambda-drift", apd.Drift),
                WeightDecay = NonNegativeDouble(a, "weight-decay", apd.WeightDecay),
                Retroactive = a.String("retro", "closed") switch
                {
                    "closed" => RetroactiveForm.ClosedForm,
                    "closed-gradient" => RetroactiveForm.ClosedFormGradient,
                    "joint" => RetroactiveForm.Joint,
                    var other => throw new CliUsageException($"--retro expects closed, closed-gradient or joint, got '{other}'"),
                },
                ConsolidateEvery = NonNegative(a, "consolidate-every", apd.ConsolidateEvery),
                ConsolidationGroups = Positive(a, "k", apd.ConsolidationGroups),
                ConsolidationTolerance = NonNegativeDouble(a, "beta", apd.ConsolidationTolerance),
                ConsolidationRule = a.String("consolidation", "span") switch
                {
                    "all-nonzero" => ConsolidationRule.AllNonZero,
                    "span" => ConsolidationRule.Span,
                    var other => throw new CliUsageException($"--consolidation expects all-nonzero or span, got '{other}'"),
                },
            },
            ApdNetwork = new ApdNetworkOptions
            {
                TauInit = a.String("tau-init", "previous") switch
                {
                    "zero" => TauInit.Zero,
                    "sigma" => TauInit.CopyOfSigma,
                    "previous" => TauInit.PreviousTask,
                    var other => throw new CliUsageException($"--tau-init expects zero, sigma or previous, got '{other}'"),
                },
                MaskFromPreviousTask = a.String("mask-init", "previous") switch
                {
                    "zero" => false,
                    "previous" => true,
                    var other => throw new CliUsageException($"--mask-init expects zero or previous, got '{other}'"),
                },
            },
        };
    }

    /// <summary>The configuration saved in the checkpoint; only output options and the data folder may be
    /// given again, and --bench/--method/--seed only with the saved values.</summary>
    private static (RunConfig, ModelState, ContinualRunResult) Resumed(CliArgs a, string path)
    {
        var (state, saved, result) = RunCheckpoint.Load(path);
        foreach (var (option, value) in new[] { ("bench", saved.Benchmark), ("method", saved.Method), ("seed", saved.Seed.ToString(CultureInfo.InvariantCulture)) })
            if (a.String(option) is { } given && given != value)
                throw new CliUsageException($"--{option} {given} does not match the checkpoint ({value})");
        string[] fixedOptions = ["epochs", "batch", "lr", "lr-decay", "train-per-task", "test-per-task", "order", "paper-order", "validation", "normalize", "ewc-lambda", "ewc-samples", "l2t-lambda",
            "l1", "l1-layer", "consolidation", "mask-init", "lambda-drift", "lambda-retro", "l1-old", "weight-decay", "retro", "tau-init", "consolidate-every", "k", "beta"];
        if (a.Flag("random-order") && !saved.RandomOrder)
            throw new CliUsageException($"--random-order cannot change when resuming: the run continues with the settings saved in {path}");
        foreach (string option in fixedOptions)
            if (a.String(option) is not null)
                throw new CliUsageException($"--{option} cannot change when resuming: the run continues with the settings saved in {path}");
        var config = saved with
        {
            ResumePath = path,
            DataDir = a.String("data-dir") ?? saved.DataDir,
            JsonPath = a.String("json"),
            SavePath = a.String("save"),
            Verbose = a.Flag("verbose"),
            Download = a.Flag("download"),
        };
        return (config, state, result);
    }

    /// <summary>5 epochs per task (the paper's protocols); split-digits has only ~290 training images per task
    /// (3 batches), so it gets 30 epochs to see as many steps as a few epochs of a larger set.</summary>
    internal static int DefaultEpochs(string benchmark) => benchmark == "split-digits" ? 30 : 5;

    private static int PaperOrderIndex(CliArgs a)
    {
        int k = a.Int("paper-order", 0);
        return k is >= 0 and <= 4 ? k : throw new CliUsageException($"--paper-order expects one of the five published orders 0..4, got {k}");
    }

    private static double ValidationFraction(CliArgs a)
    {
        double f = a.Double("validation", 0);
        return f >= 0 && f < 1 ? f : throw new CliUsageException($"--validation expects a fraction in [0, 1), got {f}");
    }

    /// <summary>"fc1=4e-4,conv2=0" → {fc1: 4e-4, conv2: 0}; the names are checked against the network when the hooks are made.</summary>
    internal static IReadOnlyDictionary<string, double>? ParseLayerValues(string? text)
    {
        if (text is null) return null;
        var values = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= 0) || double.IsInfinity(v))
                throw new CliUsageException($"--l1-layer expects LAYER=VALUE pairs separated by commas with values ≥ 0 (e.g. fc1=4e-4,conv2=0), got '{text}'");
            if (!values.TryAdd(part[..eq], v)) throw new CliUsageException($"--l1-layer names {part[..eq]} twice");
        }
        return values;
    }

    private static IReadOnlyList<int>? ParseOrder(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var order = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out order[i]))
                throw new CliUsageException($"--order expects comma-separated class numbers, got '{text}'");
        return order;
    }

    private static int Positive(CliArgs a, string name, int fallback)
    {
        int v = a.Int(name, fallback);
        return v >= 1 ? v : throw new CliUsageException($"--{name} must be at least 1, got {v}");
    }

    private static int NonNegative(CliArgs a, string name, int fallback)
    {
        int v = a.Int(name, fallback);
        return v >= 0 ? v : throw new CliUsageException($"--{name} must not be negative, got {v}");
    }

    private static float PositiveFloat(CliArgs a, string name, double fallback)
    {
        double v = a.Double(name, fallback);
        return v > 0 && double.IsFinite(v) ? (float)v : throw new CliUsageException($"--{name} must be a positive number, got {v}");
    }

    private static double NonNegativeDouble(CliArgs a, string name, double fallback)
    {
        double v = a.Double(name, fallback);
        return v >= 0 && double.IsFinite(v) ? v : throw new CliUsageException($"--{name} must be a non-negative number, got {v}");
    }

    private static float NonNegativeFloat(CliArgs a, string name, double fallback)
    {
        double v = a.Double(name, fallback);
        return v >= 0 && double.IsFinite(v) ? (float)v : throw new CliUsageException($"--{name} must be a non-negative number, got {v}");
    }

    private static void PrintTable(TextWriter w, ContinualRunResult result, double totalSeconds)
    {
        int t = result.Accuracy.Tasks;
        w.WriteLine();
        w.WriteLine("accuracy matrix (row i: after learning task i; column j: test accuracy on task j)");
        w.WriteLine("          " + string.Concat(Enumerable.Range(1, t).Select(j => $"{"T" + j,8}")));
        for (int i = 0; i < t; i++)
            w.WriteLine($"{"after T" + (i + 1),-10}" + string.Concat(result.Accuracy.Row(i).Select(x => Invariant($"{x,8:F4}"))));
        string capacity = result.Tasks[^1].Capacity is { } c ? Invariant($"  capacity {c.Capacity:F3}") : "";
        w.WriteLine(Invariant($"ACC {result.FinalAverageAccuracy:F4}  BWT {result.BackwardTransfer:+0.0000;-0.0000;0.0000}  forgetting {result.Forgetting:F4}{capacity}  time {totalSeconds:F1} s  ({result.Tasks.Average(r => r.MsPerStep):F2} ms/step)"));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static void PrintHelp(TextWriter w)
    {
        w.WriteLine("""
            usage: apd run --bench NAME [options]

              --bench NAME           split-digits (embedded, no files), fmnist, split-fmnist, rotated-fmnist-N, ...
              --method M             apd (default), stl, finetune, ewc, l2t
              --epochs E             epochs per task (5; split-digits: 30)
              --batch B              batch size (100)
              --lr LR                Adam learning rate (0.001), decayed ×--lr-decay per epoch (0.95), reset per task
              --order a,b,c          class order for class-split benchmarks (consecutive groups form the tasks)
              --paper-order K        one of the five published task orders, 0..4 (cifar100-split, cifar100-superclass)
              --random-order         class order shuffled with --seed
              --validation F         hold out F of each task's training images (seeded, stratified) and measure the
                                     accuracy matrix on them instead of the test split (for tuning)
              --normalize unit|meanstd  pixels in [0, 1] (default) or standardised per channel (training-split statistics)
              --download             fetch missing catalogue files into the data folder (hash-verified)
              --seed S               seeds initialisation, shuffles and subsets (1)
              --train-per-task K     keep K training images per task (seeded selection)
              --test-per-task K      keep K test images per task (seeded selection; default: all)
              --data-dir DIR         folder with the dataset files (default: $APD_DATA, else the user cache)
              --json FILE            write results (schema apd-run/1, docs/results-schema.md), atomically
              --save FILE            save a checkpoint (model, method state, run so far) after every task, atomically
              --resume FILE          continue a saved run with its saved settings (give --save to keep saving)
              --stop-after N         stop once N tasks of the sequence have been learned (e.g. to resume later)
              --verbose              one line per epoch (apd: and the τ non-zeros of every layer after each task)
            APD (defaults and their sources in docs/apd.md; the authors' where they have one):
              --l1 1e-4              λ1: proximal L1 on τ_t (the authors': 4e-4)
              --l1-layer L=V,...     λ1 of single layers (conv1, conv2, fc1, fc2), overriding --l1 there
              --lambda-retro 100     λ2: retroactive reconstruction of earlier tasks' θ_i*
              --l1-old 0.03          λ1 on old τ_i (closed form: κ = l1-old / lambda-retro)
              --lambda-drift 0       drift penalty (λ/2)‖σ − σ^(t−1)‖²
              --weight-decay 0       (wd/2)‖σ‖²
              --retro closed|closed-gradient|joint
                                     retroactive term in closed form as a proximal step on σ (O(|σ|) per step), in
                                     closed form as a gradient, or as joint Adam over the old τ_i (O(T·|σ|))
              --consolidate-every 5  --k 2  --beta 0.01   hierarchical consolidation
              --consolidation span|all-nonzero   elements moved into σ̃: the paper's rule (default; zeros count, at
                                     least two members non-zero) or only those non-zero in every group member
              --mask-init previous|zero   new task's mask logits: the previous task's (default) or 0 (M = ½)
              --tau-init previous|zero|sigma   new task's τ_t: the previous task's τ + σ̃ (default; with --mask-init
                                     previous a task starts from the previous task's θ), 0, or a copy of σ (the authors' code)
            baselines:
              --ewc-lambda 1e4  --ewc-samples 200  --l2t-lambda 1
            """);
    }
}
