// What a task-sequence run produces: the accuracy matrix and one report per task.
using Apd.Engine.Evaluation;

namespace Apd.Engine.Training;

public sealed record TaskReport(int TaskId, string TaskName, IReadOnlyList<double> Accuracies, double Seconds, double MsPerStep, CapacityReport? Capacity);

public sealed record EpochReport(int TaskId, string TaskName, int Epoch, double MeanLoss, float LearningRate);

public sealed class ContinualRunResult(AccuracyMatrix accuracy)
{
    private readonly List<TaskReport> _tasks = new();

    public AccuracyMatrix Accuracy { get; } = accuracy;
    public IReadOnlyList<TaskReport> Tasks => _tasks;

    public double FinalAverageAccuracy => ContinualMetrics.FinalAverageAccuracy(Accuracy);
    public double BackwardTransfer => ContinualMetrics.BackwardTransfer(Accuracy);
    public double Forgetting => ContinualMetrics.Forgetting(Accuracy);

    internal void Add(TaskReport report) => _tasks.Add(report);
}
