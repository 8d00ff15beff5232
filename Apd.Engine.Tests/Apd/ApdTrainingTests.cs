using Apd.Engine.Decomposition;
using Apd.Engine.Decomposition.Hooks;
using Apd.Engine.Tests.Training;
using Apd.Engine.Training;

namespace Apd.Engine.Tests.Decomposition;

[TestFixture]
public class ApdTrainingTests
{
    private static (ContinualRunResult Result, ApdNetwork Net) Train(ApdObjectiveOptions objective, int seed = 3)
    {
        var tasks = SyntheticTasks.Make(tasks: 6, classes: 3, trainPerTask: 300, testPerTask: 150, seed: 21);
        var net = ApdNetwork.Mlp(8, [32, 16], seed);
        var hooks = objective.Hooks(net).Append(new NonFiniteGradientGuard()).ToArray();
        var trainer = new ContinualTrainer(net, new TrainerOptions { Epochs = 6, BatchSize = 50, Seed = seed }, hooks);
        return (trainer.Run(tasks), net);
    }

    [Test]
    public void Apd_learns_a_task_sequence_without_forgetting_and_consolidates_at_task_five()
    {
        var objective = new ApdObjectiveOptions { ConsolidateEvery = 5 };
        var (result, net) = Train(objective);
        Assert.That(result.FinalAverageAccuracy, Is.GreaterThan(0.8), () => Matrix(result));
        Assert.That(result.BackwardTransfer, Is.GreaterThan(-0.01), () => Matrix(result));
        Assert.That(net.Weights.Any(w => w.SharedByGroup.Count > 0), "consolidation after task 5 should create a σ̃_g");
        var capacity = result.Tasks[4].Capacity!; // right after the consolidation at the fifth task
        Assert.That(capacity.TaskAdaptiveNonZeros, Is.GreaterThan(0));
        var withoutConsolidation = Train(objective with { ConsolidateEvery = 0 }).Result.Tasks[4].Capacity!;
        Assert.That(capacity.Capacity, Is.LessThan(withoutConsolidation.Capacity), "consolidation must lower the capacity");
    }

    [Test]
    public void Same_seed_gives_the_same_accuracy_matrix_bits()
    {
        var a = Train(new ApdObjectiveOptions()).Result.Accuracy.ToJagged();
        var b = Train(new ApdObjectiveOptions()).Result.Accuracy.ToJagged();
        Assert.That(b, Is.EqualTo(a));
    }

    [Test]
    public void Joint_retroactive_form_trains_too_and_keeps_old_tasks()
    {
        var (result, _) = Train(new ApdObjectiveOptions { Retroactive = RetroactiveForm.Joint, TrainOldMasks = true, ConsolidateEvery = 0 });
        Assert.That(result.FinalAverageAccuracy, Is.GreaterThan(0.8), () => Matrix(result));
        Assert.That(result.BackwardTransfer, Is.GreaterThan(-0.03), () => Matrix(result));
    }

    private static string Matrix(ContinualRunResult r) => string.Join("\n", r.Accuracy.ToJagged().Select(row => string.Join(" ", row.Select(x => x.ToString("F3")))));
}
