// The contract between the task-sequence trainer and a multi-head network (APD, or a baseline).
// The trainer owns the loop; the model owns parameters, caches and per-task state.
using Apd.Engine.Tensors;

namespace Apd.Engine.Training;

public interface IContinualModel
{
    /// <summary>Number of tasks registered so far (task ids are 0..TaskCount-1, forgotten ids stay reserved).</summary>
    int TaskCount { get; }

    /// <summary>Registers task <paramref name="taskId"/> with <paramref name="classes"/> outputs before its first epoch.</summary>
    void BeginTask(int taskId, int classes);

    /// <summary>Called after the task's last epoch (snapshots, closed-form updates, consolidation).</summary>
    void EndTask(int taskId);

    /// <summary>Training forward: logits (batch × classes of the task); caches what Backward needs.</summary>
    void Forward(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits);

    /// <summary>Backward from dL/dlogits of the last Forward; accumulates into parameter gradients.</summary>
    void Backward(int taskId, ReadOnlySpan<float> dLogits, int batch);

    /// <summary>The parameters the optimizer steps while learning the task.</summary>
    IReadOnlyList<Parameter> TrainableParameters(int taskId);

    /// <summary>Shape of one input sample (C, H, W), or null if the model accepts any; the trainer checks batches against it.</summary>
    IReadOnlyList<int>? InputShape => null;

    /// <summary>Inference; safe to call from several threads at once on a trained model.</summary>
    void Predict(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits);
}
