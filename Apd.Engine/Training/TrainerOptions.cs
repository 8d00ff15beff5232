// Settings of the task-sequence loop. Defaults are the authors' (APD TF code): 5 epochs per task
// in the paper's split/rotated protocols, batch 100, Adam lr 1e-3 decayed ×0.95 per epoch.
namespace Apd.Engine.Training;

public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 5;
    public int BatchSize { get; init; } = 100;
    public float LearningRate { get; init; } = 1e-3f;
    public float DecayPerEpoch { get; init; } = 0.95f;
    /// <summary>PyTorch-style L2 weight decay inside Adam (0 = off).</summary>
    public float WeightDecay { get; init; }
    /// <summary>Seeds the per-epoch shuffles; same seed and same model init ⇒ bit-identical results.</summary>
    public int Seed { get; init; } = 1;
    public int EvaluationBatchSize { get; init; } = 500;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(EvaluationBatchSize, 1, nameof(EvaluationBatchSize));
        if (!(LearningRate > 0f) || float.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be finite and positive.");
        if (!(DecayPerEpoch > 0f && DecayPerEpoch <= 1f)) throw new ArgumentOutOfRangeException(nameof(DecayPerEpoch), DecayPerEpoch, "The decay factor must lie in (0, 1].");
        if (!(WeightDecay >= 0f)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Weight decay must be non-negative.");
    }
}
