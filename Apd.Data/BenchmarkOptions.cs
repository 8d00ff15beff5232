// How a benchmark is built: where its files are, the seed, subset sizes, task order,
// validation split and pixel normalisation. Same options and seed ⇒ the same tasks, bit for bit.
namespace Apd.Data;

public enum PixelNormalization
{
    /// <summary>Pixels scaled to [0, 1] (8-bit data: p / 255; UCI digits: p / 16).</summary>
    UnitRange,

    /// <summary>Scaled to [0, 1], then (x − mean_c) / std_c per channel; mean/std from <see cref="BenchmarkOptions.Mean"/>
    /// and <see cref="BenchmarkOptions.Std"/>, or when those are null, from the dataset's whole training split.</summary>
    MeanStd,
}

public sealed record BenchmarkOptions
{
    /// <summary>Folder holding the dataset files; null ⇒ env APD_DATA, else the per-user cache (<see cref="DataFolders.Default"/>).</summary>
    public string? DataDir { get; init; }

    /// <summary>Seeds every random choice: subsets, validation split, permutations, random orders.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Keep the first K training images of each task after a seeded shuffle (null = all).</summary>
    public int? TrainPerTask { get; init; }

    /// <summary>Keep the first K test images of each task after a seeded shuffle (null = all).</summary>
    public int? TestPerTask { get; init; }

    /// <summary>
    /// Explicit order: for class-split benchmarks a permutation of all classes, taken in consecutive groups
    /// (task t = classes Order[t·k .. t·k+k−1]); for cifar100-superclass a permutation of the 20 superclasses.
    /// </summary>
    public IReadOnlyList<int>? Order { get; init; }

    /// <summary>For cifar100-split / cifar100-superclass: one of the five published task orders, 0..4 (see docs/data.md).</summary>
    public int? PaperOrder { get; init; }

    /// <summary>Shuffle the class (or superclass) order with <see cref="Seed"/> instead of the natural order.</summary>
    public bool RandomOrder { get; init; }

    /// <summary>Fraction of each task's training images moved (seeded, stratified) into <see cref="ContinualTask.Validation"/>.</summary>
    public double ValidationFraction { get; init; }

    public PixelNormalization Normalization { get; init; } = PixelNormalization.UnitRange;

    /// <summary>Per-channel mean (after scaling to [0,1]) for <see cref="PixelNormalization.MeanStd"/>.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel standard deviation (after scaling to [0,1]) for <see cref="PixelNormalization.MeanStd"/>.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>Check the SHA-256 of decompressed content against the catalogue where it is known (Fashion-MNIST).</summary>
    public bool VerifyContent { get; init; } = true;

    /// <summary>Download missing catalogue files (verified by hash) instead of failing with a list of what is missing.</summary>
    public bool Download { get; init; }
}
