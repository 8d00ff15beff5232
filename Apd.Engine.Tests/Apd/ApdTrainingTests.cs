using Apd.Engine.Decomposition;
using Apd.Engine.Decomposition.Hooks;
using Apd.Engine.Tests.Training;
using Apd.Engine.Kernels;
using Apd.Engine.Optim;
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

    [Test]
    public void Closed_form_as_a_gradient_trains_too_and_keeps_old_tasks()
    {
        var (result, _) = Train(new ApdObjectiveOptions { Retroactive = RetroactiveForm.ClosedFormGradient, ConsolidateEvery = 0 });
        Assert.That(result.FinalAverageAccuracy, Is.GreaterThan(0.8), () => Matrix(result));
        Assert.That(result.BackwardTransfer, Is.GreaterThan(-0.01), () => Matrix(result));
    }

    [Test]
    public void Proximal_retroactive_step_takes_adams_metric_and_a_loop_without_adam_in_its_context_gets_the_same()
    {
        float[] SigmaAfterTwoTasks(bool exposeOptimizer, double reconstruction = 100)
        {
            var tasks = SyntheticTasks.Make(tasks: 2, classes: 3, trainPerTask: 200, testPerTask: 10, seed: 8);
            var net = ApdNetwork.Mlp(8, [16], 4);
            var hooks = new ApdObjectiveOptions { ConsolidateEvery = 0, Reconstruction = reconstruction }.Hooks(net);
            new ContinualTrainer(net, new TrainerOptions { Epochs = 2, BatchSize = 50, Seed = 4 }, hooks).Run(tasks[..1]);
            // Task 1 in a hand-written loop; the context exposes the optimizer or not.
            net.BeginTask(1, 3);
            var parameters = net.TrainableParameters(1);
            var adam = new Adam(parameters);
            var ctx = new TrainingContext { Model = net, TaskId = 1, Parameters = parameters, LearningRate = 1e-3f, Optimizer = exposeOptimizer ? adam : null };
            foreach (var h in hooks) h.BeforeTask(ctx);
            var train = tasks[1].Train;
            float[] logits = new float[50 * 3], dLogits = new float[50 * 3];
            for (int start = 0; start + 50 <= train.Count; start += 50)
            {
                ctx.Step++;
                foreach (var p in parameters) p.ZeroGrad();
                net.Forward(1, train.Images.AsSpan(start * 8, 50 * 8), 50, logits);
                SoftmaxCrossEntropy.Forward<float>(logits, train.Labels.AsSpan(start, 50), dLogits, 50, 3);
                net.Backward(1, dLogits, 50);
                foreach (var h in hooks) h.AfterBackward(ctx);
                adam.Step(ctx.LearningRate);
                foreach (var h in hooks) h.AfterStep(ctx);
            }
            return [.. net.Weights.SelectMany(w => w.Sigma.Value)];
        }
        float[] withAdam = SigmaAfterTwoTasks(exposeOptimizer: true), withOwnMoments = SigmaAfterTwoTasks(exposeOptimizer: false);
        Assert.That(withOwnMoments, Is.EqualTo(withAdam));
        // And the proximal step did act: without the retroactive term σ ends elsewhere.
        Assert.That(SigmaAfterTwoTasks(exposeOptimizer: true, reconstruction: 0), Is.Not.EqualTo(withAdam));
    }

    [Test]
    public void A_nan_in_sigma_stops_the_proximal_retroactive_step_naming_task_step_and_tensor()
    {
        var tasks = SyntheticTasks.Make(tasks: 2, classes: 3, trainPerTask: 100, testPerTask: 10, seed: 2);
        var net = ApdNetwork.Mlp(8, [16], 1);
        var hooks = new ApdObjectiveOptions { ConsolidateEvery = 0 }.Hooks(net);
        new ContinualTrainer(net, new TrainerOptions { Epochs = 1, BatchSize = 50, Seed = 1 }, hooks).Run(tasks[..1]);
        net.BeginTask(1, 3);
        var parameters = net.TrainableParameters(1);
        var ctx = new TrainingContext { Model = net, TaskId = 1, Step = 7, Parameters = parameters, LearningRate = 1e-3f, Optimizer = new Adam(parameters) };
        foreach (var h in hooks) h.BeforeTask(ctx);
        var sigma = net.Weights[0].Sigma;
        sigma.Value[3] = float.NaN;
        var retro = hooks.OfType<RetroactiveHook>().Single();
        var ex = Assert.Throws<NonFiniteValueException>(() => retro.AfterStep(ctx));
        Assert.That(ex!.Task, Is.EqualTo(1));
        Assert.That(ex.Step, Is.EqualTo(7));
        Assert.That(ex.Tensor, Is.EqualTo(sigma.Name));
        Assert.That(ex.Message, Does.Contain("element 3"));
    }

    private static string Matrix(ContinualRunResult r) => string.Join("\n", r.Accuracy.ToJagged().Select(row => string.Join(" ", row.Select(x => x.ToString("F3")))));
}
