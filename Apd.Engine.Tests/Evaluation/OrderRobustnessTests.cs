using Apd.Engine.Evaluation;

namespace Apd.Engine.Tests.Evaluation;

public class OrderRobustnessTests
{
    private static IReadOnlyDictionary<string, double> Run(params (string Task, double Accuracy)[] tasks)
        => tasks.ToDictionary(t => t.Task, t => t.Accuracy);

    [Test]
    public void Opd_is_the_spread_of_each_task_over_orders_matched_by_key_not_position()
    {
        var result = OrderRobustness.Compute([
            Run(("a", 0.90), ("b", 0.80), ("c", 0.70)),
            Run(("c", 0.75), ("a", 0.86), ("b", 0.80)),
            Run(("b", 0.78), ("c", 0.60), ("a", 0.91)),
        ]);
        Assert.That(result.Opd["a"], Is.EqualTo(0.05).Within(1e-12));
        Assert.That(result.Opd["b"], Is.EqualTo(0.02).Within(1e-12));
        Assert.That(result.Opd["c"], Is.EqualTo(0.15).Within(1e-12));
        Assert.That(result.Aopd, Is.EqualTo((0.05 + 0.02 + 0.15) / 3).Within(1e-12));
        Assert.That(result.Mopd, Is.EqualTo(0.15).Within(1e-12));
    }

    [Test]
    public void The_same_accuracies_in_every_order_give_zero()
    {
        var same = Run(("x", 0.5), ("y", 0.25));
        var result = OrderRobustness.Compute([same, same, same]);
        Assert.That(result.Aopd, Is.Zero);
        Assert.That(result.Mopd, Is.Zero);
    }

    [Test]
    public void Mismatched_task_sets_and_bad_accuracies_are_named()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => OrderRobustness.Compute([Run(("a", 0.5))]))!.Message, Does.Contain("at least two orders"));
        Assert.That(Assert.Throws<ArgumentException>(() => OrderRobustness.Compute([Run(("a", 0.5), ("b", 0.5)), Run(("a", 0.5))]))!.Message, Does.Contain("order 2 lacks task 'b'"));
        Assert.That(Assert.Throws<ArgumentException>(() => OrderRobustness.Compute([Run(("a", 0.5)), Run(("a", 0.5), ("z", 0.1))]))!.Message, Does.Contain("order 2 has task 'z'"));
        Assert.That(Assert.Throws<ArgumentException>(() => OrderRobustness.Compute([Run(("a", 0.5)), Run(("a", 97.0))]))!.Message, Does.Contain("not a fraction"));
    }
}
