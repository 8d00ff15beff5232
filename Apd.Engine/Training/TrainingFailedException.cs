// Raised when training must stop rather than produce a silently broken model: a batch that does not
// fit the task, a non-finite loss or gradient. Names the task, the step and the tensor.
namespace Apd.Engine.Training;

public sealed class TrainingFailedException : InvalidOperationException
{
    public TrainingFailedException(int taskId, string taskName, int epoch, int step, string tensor, string problem)
        : base($"task {taskId} ('{taskName}'), epoch {epoch + 1}, step {step}: {tensor}: {problem}")
    {
        TaskId = taskId;
        TaskName = taskName;
        Epoch = epoch;
        Step = step;
        Tensor = tensor;
    }

    public int TaskId { get; }
    public string TaskName { get; }
    public int Epoch { get; }
    /// <summary>Optimizer step within the task, counted from 1.</summary>
    public int Step { get; }
    public string Tensor { get; }
}
