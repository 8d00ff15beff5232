// The named continual-learning benchmarks: which dataset, how it is cut into tasks, and the
// per-task transforms (class split, rotation, permutation), then the per-task subset, validation
// split and normalisation from BenchmarkOptions. Protocols are described in docs/data.md.
using System.Globalization;
using Apd.Data.Catalogue;
using Apd.Data.Readers;
using Apd.Data.Tasks;
using Apd.Engine.Tensors;

namespace Apd.Data;

public static class ContinualBenchmarks
{
    /// <summary>Benchmark names; "&lt;N&gt;" stands for a task count, e.g. rotated-fmnist-10.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "split-digits", "fmnist", "split-fmnist", "rotated-fmnist-<N>", "permuted-fmnist-<N>",
        "mnist", "split-mnist", "rotated-mnist-<N>", "permuted-mnist-<N>",
        "kmnist", "split-kmnist", "rotated-kmnist-<N>", "permuted-kmnist-<N>",
        "split-cifar10", "cifar100-split", "cifar100-superclass",
    ];

    /// <summary>The embedded UCI digits are one 1797-image set: this fixed seed picks its stratified test part,
    /// so the test set is the same whatever <see cref="BenchmarkOptions.Seed"/> is.</summary>
    public const int DigitsSplitSeed = 2020;

    /// <summary>Fraction of each digit class held out as the split-digits test set.</summary>
    public const double DigitsTestFraction = 0.2;

    /// <summary>
    /// The five task orders of the APD authors' code (cifar100_apd_run.py, FLAGS.task_order, orderA..orderE,
    /// github.com/jaehong31/APD). For cifar100-split entry k is the k-th task's class group g (fine labels
    /// 10g..10g+9); for cifar100-superclass it is the k-th task's superclass (coarse label).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> PaperSplitOrders { get; } =
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 7, 4, 5, 2, 0, 8, 6, 9, 3],
        [7, 0, 5, 1, 8, 4, 3, 6, 2, 9],
        [5, 8, 2, 9, 0, 4, 3, 7, 6, 1],
        [2, 9, 5, 4, 8, 0, 6, 1, 3, 7],
    ];

    /// <inheritdoc cref="PaperSplitOrders"/>
    public static IReadOnlyList<IReadOnlyList<int>> PaperSuperclassOrders { get; } =
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
        [15, 12, 5, 9, 7, 16, 18, 17, 1, 0, 3, 8, 11, 14, 10, 6, 2, 4, 13, 19],
        [17, 1, 19, 18, 12, 7, 6, 0, 11, 15, 10, 5, 13, 3, 9, 16, 4, 14, 2, 8],
        [11, 9, 6, 5, 12, 4, 0, 10, 13, 7, 14, 3, 15, 16, 8, 1, 2, 19, 18, 17],
        [6, 14, 0, 11, 12, 17, 13, 4, 9, 1, 7, 19, 8, 10, 3, 15, 18, 5, 2, 16],
    ];

    // Seed streams: one per kind of random choice, so changing one option never shifts another's draws.
    private const ulong ClassOrderStream = 1;
    private const ulong TrainSubsetStream = 1000;
    private const ulong TestSubsetStream = 2000;
    private const ulong ValidationStream = 3000;
    private const ulong PermutationStream = 4000;

    public static TaskSequence Load(string name, BenchmarkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options ??= new BenchmarkOptions();
        Validate(options);
        var tasks = name switch
        {
            "split-digits" => SplitDigits(options),
            "split-cifar10" => SplitByClass(LoadCifar10(options), 2, options),
            "cifar100-split" => SplitByClass(LoadCifar100(options).Source, 10, options),
            "cifar100-superclass" => Superclass(LoadCifar100(options), options),
            _ => IdxFamily(name, options),
        };
        return new TaskSequence(name, tasks);
    }

    /// <summary>The 28×28 IDX datasets, by the short name used in benchmark names.</summary>
    private static readonly Dictionary<string, CatalogueDataset> IdxDatasets = new(StringComparer.Ordinal)
    {
        ["fmnist"] = DataCatalogue.FashionMnist,
        ["mnist"] = DataCatalogue.Mnist,
        ["kmnist"] = DataCatalogue.Kmnist,
    };

    /// <summary>"D", "split-D", "rotated-D-N", "permuted-D-N" for each IDX dataset D.</summary>
    private static List<ContinualTask> IdxFamily(string name, BenchmarkOptions options)
    {
        foreach (var (key, dataset) in IdxDatasets)
        {
            if (name == key) return Whole(LoadIdx(dataset, options), options);
            if (name == "split-" + key) return SplitByClass(LoadIdx(dataset, options), 2, options);
            if (TryCount(name, $"rotated-{key}-", out int r)) return Rotated(LoadIdx(dataset, options), r, options);
            if (TryCount(name, $"permuted-{key}-", out int p)) return Permuted(LoadIdx(dataset, options), p, options);
        }
        throw new ArgumentException($"unknown benchmark '{name}'; known: {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>Train and test sets of a dataset, and the per-channel statistics of its training set (computed on first use).</summary>
    private sealed class Source(LabeledSet train, LabeledSet test)
    {
        private readonly Lazy<(float[] Mean, float[] Std)> _statistics = new(() => TaskBuilders.ChannelStatistics(train));
        public LabeledSet Train { get; } = train;
        public LabeledSet Test { get; } = test;
        public (float[] Mean, float[] Std) Statistics => _statistics.Value;
    }

    private static void Validate(BenchmarkOptions o)
    {
        if (o.TrainPerTask is <= 0) throw new ArgumentOutOfRangeException(nameof(o.TrainPerTask), $"train-per-task must be positive, got {o.TrainPerTask}");
        if (o.TestPerTask is <= 0) throw new ArgumentOutOfRangeException(nameof(o.TestPerTask), $"test-per-task must be positive, got {o.TestPerTask}");
        if (o.ValidationFraction is < 0 or >= 1 || double.IsNaN(o.ValidationFraction))
            throw new ArgumentOutOfRangeException(nameof(o.ValidationFraction), $"validation fraction must be in [0, 1), got {o.ValidationFraction}");
        int orderChoices = (o.Order is null ? 0 : 1) + (o.PaperOrder is null ? 0 : 1) + (o.RandomOrder ? 1 : 0);
        if (orderChoices > 1) throw new ArgumentException("give at most one of Order, PaperOrder and RandomOrder");
        if ((o.Mean is null) != (o.Std is null)) throw new ArgumentException("give both Mean and Std, or neither (then they are computed from the training split)");
        if (o.Mean is not null && o.Normalization != PixelNormalization.MeanStd) throw new ArgumentException("Mean and Std apply only with Normalization = MeanStd");
    }

    private static bool TryCount(string name, string prefix, out int n)
    {
        n = 0;
        return name.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out n)
            && n is >= 1 and <= 1000;
    }

    private static Source LoadIdx(CatalogueDataset dataset, BenchmarkOptions options)
    {
        var cache = new DataCache(DataFolders.Resolve(options.DataDir));
        var paths = cache.Require(dataset, options.Download);
        var arrays = new IdxArray[4];
        try
        {
            Parallel.For(0, 4, i => arrays[i] = IdxReader.Read(paths[i]));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Surface the reader's own error (it names the file), not the parallel wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        if (options.VerifyContent)
        {
            for (int i = 0; i < 4; i++)
            {
                string? expected = dataset.Files[i].DecompressedSha256;
                if (expected is null) continue;
                string actual = arrays[i].ContentSha256();
                if (!actual.Equals(expected, StringComparison.OrdinalIgnoreCase))
                    throw new DataFormatException(paths[i], "whole content",
                        $"decompressed SHA-256 {actual} differs from the standard {dataset.Name} file ({expected}); the file is well-formed but is not the standard data");
            }
        }
        return new Source(IdxReader.ToLabeledSet(arrays[0], arrays[1], 10), IdxReader.ToLabeledSet(arrays[2], arrays[3], 10));
    }

    private static Source LoadCifar10(BenchmarkOptions options)
    {
        var paths = new DataCache(DataFolders.Resolve(options.DataDir)).Require(DataCatalogue.Cifar10, options.Download);
        var train = CifarBinaryReader.Read(CifarVariant.Cifar10, paths.Take(5).ToArray());
        var test = CifarBinaryReader.Read(CifarVariant.Cifar10, paths[5]);
        return new Source(train.Images, test.Images);
    }

    private static (Source Source, int[] TrainCoarse, int[] TestCoarse) LoadCifar100(BenchmarkOptions options)
    {
        var paths = new DataCache(DataFolders.Resolve(options.DataDir)).Require(DataCatalogue.Cifar100, options.Download);
        var train = CifarBinaryReader.Read(CifarVariant.Cifar100, paths[0]);
        var test = CifarBinaryReader.Read(CifarVariant.Cifar100, paths[1]);
        return (new Source(train.Images, test.Images), train.CoarseLabels!, test.CoarseLabels!);
    }

    private static List<ContinualTask> SplitDigits(BenchmarkOptions options)
    {
        var all = DigitsCsvReader.ReadEmbedded();
        var (train, test) = TaskBuilders.StratifiedSplit(all, DigitsTestFraction, DigitsSplitSeed, 0);
        return SplitByClass(new Source(train, test), 2, options);
    }

    private static List<ContinualTask> Whole(Source source, BenchmarkOptions options)
    {
        RejectOrder(options, "a single-task benchmark");
        var classes = Enumerable.Range(0, source.Train.Classes).ToArray();
        return [Finish("all classes", source.Train, source.Test, classes, 0, source, options)];
    }

    private static List<ContinualTask> SplitByClass(Source source, int classesPerTask, BenchmarkOptions options)
    {
        int classes = source.Train.Classes;
        int[] order = ClassOrder(classes, classesPerTask, options);
        var tasks = new List<ContinualTask>();
        for (int t = 0; t < classes / classesPerTask; t++)
        {
            var group = order.AsSpan(t * classesPerTask, classesPerTask).ToArray();
            var train = TaskBuilders.SelectClasses(source.Train, group);
            var test = TaskBuilders.SelectClasses(source.Test, group);
            tasks.Add(Finish($"classes {string.Join(',', group)}", train, test, group, t, source, options));
        }
        return tasks;
    }

    /// <summary>The class order, taken in consecutive groups of <paramref name="perTask"/>.</summary>
    private static int[] ClassOrder(int classes, int perTask, BenchmarkOptions options)
    {
        if (options.Order is { } explicitOrder)
        {
            CheckPermutation(explicitOrder, classes, "Order (a permutation of all classes)");
            return explicitOrder.ToArray();
        }
        if (options.PaperOrder is { } k)
        {
            if (classes != 100 || perTask != 10) throw new ArgumentException("PaperOrder applies to cifar100-split and cifar100-superclass only");
            return PaperOrder(PaperSplitOrders, k).SelectMany(g => Enumerable.Range(g * perTask, perTask)).ToArray();
        }
        if (options.RandomOrder) return new SeededRandom(options.Seed, ClassOrderStream).Permutation(classes);
        return Enumerable.Range(0, classes).ToArray();
    }

    private static List<ContinualTask> Superclass((Source Source, int[] TrainCoarse, int[] TestCoarse) data, BenchmarkOptions options)
    {
        var (source, trainCoarse, testCoarse) = data;
        const int groups = CifarBinaryReader.CoarseClasses;
        // The fine classes of each superclass, ascending (the authors' label order within a task).
        var members = new SortedSet<int>[groups];
        for (int g = 0; g < groups; g++) members[g] = [];
        for (int i = 0; i < trainCoarse.Length; i++) members[trainCoarse[i]].Add(source.Train.Labels[i]);
        int[] order;
        if (options.Order is { } explicitOrder)
        {
            CheckPermutation(explicitOrder, groups, "Order (a permutation of the 20 superclasses)");
            order = explicitOrder.ToArray();
        }
        else if (options.PaperOrder is { } k) order = PaperOrder(PaperSuperclassOrders, k).ToArray();
        else if (options.RandomOrder) order = new SeededRandom(options.Seed, ClassOrderStream).Permutation(groups);
        else order = Enumerable.Range(0, groups).ToArray();
        var tasks = new List<ContinualTask>();
        for (int t = 0; t < groups; t++)
        {
            int g = order[t];
            var classes = members[g].ToArray();
            var train = TaskBuilders.SelectGroup(source.Train, trainCoarse, g, classes);
            var test = TaskBuilders.SelectGroup(source.Test, testCoarse, g, classes);
            tasks.Add(Finish($"superclass {g}: classes {string.Join(',', classes)}", train, test, classes, t, source, options));
        }
        return tasks;
    }

    private static List<ContinualTask> Rotated(Source source, int n, BenchmarkOptions options)
    {
        RejectOrder(options, "rotated benchmarks");
        var classes = Enumerable.Range(0, source.Train.Classes).ToArray();
        var tasks = new List<ContinualTask>();
        for (int t = 0; t < n; t++)
        {
            double degrees = t * 180.0 / n;
            var (train, test) = Subsets(source.Train, source.Test, t, options);
            tasks.Add(Finish(FormattableString.Invariant($"rotation {degrees:0.##}°"), TaskBuilders.Rotate(train, degrees), TaskBuilders.Rotate(test, degrees), classes, t, source, options, subsetDone: true));
        }
        return tasks;
    }

    private static List<ContinualTask> Permuted(Source source, int n, BenchmarkOptions options)
    {
        RejectOrder(options, "permuted benchmarks");
        var classes = Enumerable.Range(0, source.Train.Classes).ToArray();
        int plane = source.Train.Height * source.Train.Width;
        var tasks = new List<ContinualTask>();
        for (int t = 0; t < n; t++)
        {
            // Task 0 keeps the original pixel order; task t ≥ 1 uses its own seeded permutation.
            int[] permutation = t == 0 ? Enumerable.Range(0, plane).ToArray() : new SeededRandom(options.Seed, PermutationStream + (ulong)t).Permutation(plane);
            var (train, test) = Subsets(source.Train, source.Test, t, options);
            tasks.Add(Finish(t == 0 ? "original pixel order" : $"permutation {t}", TaskBuilders.PermutePixels(train, permutation), TaskBuilders.PermutePixels(test, permutation), classes, t, source, options, subsetDone: true));
        }
        return tasks;
    }

    private static (LabeledSet Train, LabeledSet Test) Subsets(LabeledSet train, LabeledSet test, int t, BenchmarkOptions options) =>
        (options.TrainPerTask is null ? train : TaskBuilders.SeededSubset(train, options.TrainPerTask, options.Seed, TrainSubsetStream + (ulong)t),
         options.TestPerTask is null ? test : TaskBuilders.SeededSubset(test, options.TestPerTask, options.Seed, TestSubsetStream + (ulong)t));

    /// <summary>Per-task subset (unless done before a transform), validation split, then normalisation.</summary>
    private static ContinualTask Finish(string name, LabeledSet train, LabeledSet test, int[] originalClasses, int t, Source source, BenchmarkOptions options, bool subsetDone = false)
    {
        if (!subsetDone) (train, test) = Subsets(train, test, t, options);
        LabeledSet? validation = null;
        if (options.ValidationFraction > 0)
            (train, validation) = TaskBuilders.StratifiedSplit(train, options.ValidationFraction, options.Seed, ValidationStream + (ulong)t);
        if (options.Normalization == PixelNormalization.MeanStd)
        {
            var (mean, std) = options.Mean is not null && options.Std is not null
                ? (options.Mean, options.Std)
                : ((IReadOnlyList<float>)source.Statistics.Mean, (IReadOnlyList<float>)source.Statistics.Std);
            foreach (var set in new[] { train, test, validation })
                if (set is not null && set.Count > 0) TaskBuilders.Standardize(set, mean, std);
        }
        return new ContinualTask($"task {t + 1}: {name}", train, test) { OriginalClasses = originalClasses, Validation = validation };
    }

    private static IReadOnlyList<int> PaperOrder(IReadOnlyList<IReadOnlyList<int>> orders, int k) =>
        k is >= 0 and < 5 ? orders[k] : throw new ArgumentOutOfRangeException(nameof(k), $"paper order must be 0..4 (orderA..orderE), got {k}");

    private static void CheckPermutation(IReadOnlyList<int> order, int n, string what)
    {
        if (order.Count != n || order.Distinct().Count() != n || order.Any(c => c < 0 || c >= n))
            throw new ArgumentException($"{what}: expected each of 0..{n - 1} exactly once, got [{string.Join(',', order)}]");
    }

    private static void RejectOrder(BenchmarkOptions options, string what)
    {
        if (options.Order is not null || options.PaperOrder is not null || options.RandomOrder)
            throw new ArgumentException($"task orders do not apply to {what}");
    }
}
