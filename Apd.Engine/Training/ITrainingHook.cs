// Penalties, proximal steps, consolidation and baselines plug into the training loop through
// these hooks, so the loop itself never branches on the method.
using Apd.Engine.Tensors;

namespace Apd.Engine.Training;

public sealed class TrainingContext
{
    public required IContinualModel Model { get; init; }
    public int TaskId { get; set; }
    public int Epoch { get; set; }
    public int Step { get; set; }
    public float LearningRate { get; set; }
    public IReadOnlyList<Parameter> Parameters { get; set; } = Array.Empty<Parameter>();

    /// <summary>Name of the task being learned (for messages).</summary>
    public string TaskName { get; set; } = "";

    /// <summary>Training samples of the task being learned (e.g. for EWC's Fisher information).</summary>
    public LabeledSet? TrainData { get; set; }

    /// <summary>Samples in the current batch.</summary>
    public int BatchSize { get; set; }

    /// <summary>The loop's optimizer over <see cref="Parameters"/>, when it is Adam: hooks that take proximal steps read its metric.</summary>
    public Optim.Adam? Optimizer { get; set; }
}

public interface ITrainingHook
{
    void BeforeTask(TrainingContext ctx) { }
    void AfterTask(TrainingContext ctx) { }
    void BeforeEpoch(TrainingContext ctx) { }
    void AfterEpoch(TrainingContext ctx) { }

    /// <summary>After the data-loss backward: add this term's gradient into the parameters; return its loss value.</summary>
    double AfterBackward(TrainingContext ctx) => 0.0;

    /// <summary>After the optimizer update (e.g. the proximal L1 soft-threshold).</summary>
    void AfterStep(TrainingContext ctx) { }
}
