using Apd.Engine.Evaluation;

namespace Apd.Engine.Tests.Evaluation;

public sealed class ContinualMetricsTests
{
    // Task 0 improves after task 1 (0.90 → 0.95) then drops to 0.85; task 1 drops 0.95 → 0.70.
    private static AccuracyMatrix ThreeTasks() => new(
    [
        [0.90],
        [0.95, 0.95],
        [0.85, 0.70, 0.99],
    ]);

    [Test]
    public void Final_average_accuracy_is_the_mean_of_the_last_row()
    {
        Assert.That(ContinualMetrics.FinalAverageAccuracy(ThreeTasks()), Is.EqualTo((0.85 + 0.70 + 0.99) / 3).Within(1e-15));
        Assert.That(ContinualMetrics.AverageAccuracyAfter(ThreeTasks(), 1), Is.EqualTo(0.95).Within(1e-15));
    }

    [Test]
    public void Backward_transfer_compares_final_accuracy_with_accuracy_just_after_learning()
    {
        // ((0.85 − 0.90) + (0.70 − 0.95)) / 2
        Assert.That(ContinualMetrics.BackwardTransfer(ThreeTasks()), Is.EqualTo(-0.15).Within(1e-12));
    }

    [Test]
    public void Forgetting_measures_the_drop_from_the_best_earlier_accuracy()
    {
        // task 0: best 0.95 (after task 1) − 0.85; task 1: 0.95 − 0.70 → (0.10 + 0.25) / 2, unlike BWT.
        Assert.That(ContinualMetrics.Forgetting(ThreeTasks()), Is.EqualTo(0.175).Within(1e-12));
    }

    [Test]
    public void One_task_has_no_transfer_and_no_forgetting()
    {
        var r = new AccuracyMatrix([[0.5]]);
        Assert.That(ContinualMetrics.BackwardTransfer(r), Is.Zero);
        Assert.That(ContinualMetrics.Forgetting(r), Is.Zero);
        Assert.That(ContinualMetrics.FinalAverageAccuracy(r), Is.EqualTo(0.5));
    }

    [Test]
    public void Positive_backward_transfer_gives_negative_forgetting_never_below_the_best()
    {
        var r = new AccuracyMatrix([[0.6], [0.8, 0.9]]);
        Assert.That(ContinualMetrics.BackwardTransfer(r), Is.EqualTo(0.2).Within(1e-12));
        // The best accuracy of task 0 before the last row is 0.6, so forgetting is 0.6 − 0.8.
        Assert.That(ContinualMetrics.Forgetting(r), Is.EqualTo(-0.2).Within(1e-12));
    }

    [Test]
    public void Matrix_rejects_rows_of_the_wrong_length_and_accuracies_outside_zero_one()
    {
        var r = new AccuracyMatrix();
        Assert.Throws<ArgumentException>(() => r.AddRow([0.5, 0.5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.AddRow([1.5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.AddRow([double.NaN]));
        Assert.Throws<ArgumentException>(() => ContinualMetrics.FinalAverageAccuracy(r));
        r.AddRow([0.5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = r[0, 1]);
    }
}
