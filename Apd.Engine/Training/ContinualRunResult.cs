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

    /// <summary>Rebuilds a result from its task reports (e.g. read back from a checkpoint).</summary>
    public static ContinualRunResult FromReports(IReadOnlyList<TaskReport> reports)
    {
        var result = new ContinualRunResult(new AccuracyMatrix(reports.Select(r => r.Accuracies)));
        foreach (var r in reports) result.Add(r);
        return result;
    }

    internal void Add(TaskReport report) => _tasks.Add(report);
}
