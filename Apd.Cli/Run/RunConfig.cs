// Everything `apd run` was asked to do, with its defaults, as parsed from the command line.
using Apd.Engine.Decomposition;

namespace Apd.Cli.Run;

internal sealed record RunConfig
{
    public required string Benchmark { get; init; }
    public required string Method { get; init; }
    public int Epochs { get; init; } = 5;
    public int Batch { get; init; } = 100;
    public float LearningRate { get; init; } = 1e-3f;
    public float DecayPerEpoch { get; init; } = 0.95f;
    public int Seed { get; init; } = 1;
    public int? TrainPerTask { get; init; }
    public int? TestPerTask { get; init; }
    public IReadOnlyList<int>? Order { get; init; }
    /// <summary>One of the published task orders (--paper-order K, cifar100-split / cifar100-superclass).</summary>
    public int? PaperOrder { get; init; }
    /// <summary>Seeded random class order (--random-order).</summary>
    public bool RandomOrder { get; init; }
    /// <summary>Fraction of each task's training images held out (--validation F); the accuracy matrix is then measured on them, not on the test split.</summary>
    public double ValidationFraction { get; init; }
    public global::Apd.Data.PixelNormalization Normalization { get; init; } = global::Apd.Data.PixelNormalization.UnitRange;
    /// <summary>Download missing catalogue files (--download), verified by hash.</summary>
    public bool Download { get; init; }
    public string? DataDir { get; init; }
    public string? JsonPath { get; init; }
    /// <summary>Checkpoint written after every task (--save).</summary>
    public string? SavePath { get; init; }
    /// <summary>Checkpoint to continue from (--resume).</summary>
    public string? ResumePath { get; init; }
    public bool Verbose { get; init; }

    /// <summary>EWC's λ (penalty (λ/2)·Σ F (θ − θ*)²) and the samples its Fisher estimate uses.</summary>
    public float EwcLambda { get; init; } = 1e4f;
    public int EwcSamples { get; init; } = 200;

    /// <summary>L2-transfer's λ (penalty (λ/2)·‖θ − θ^(t−1)‖²).</summary>
    public float L2tLambda { get; init; } = 1f;

    /// <summary>APD's objective (defaults and their sources: ApdObjectiveOptions, docs/apd.md).</summary>
    public ApdObjectiveOptions Apd { get; init; } = new();

    /// <summary>APD's structural options (τ initialisation, mask initialisation).</summary>
    public ApdNetworkOptions ApdNetwork { get; init; } = new();
}
