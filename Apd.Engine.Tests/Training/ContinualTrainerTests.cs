using Apd.Engine.Tensors;
using Apd.Engine.Training;

namespace Apd.Engine.Tests.Training;

public sealed class ContinualTrainerTests
{
    private static readonly TrainerOptions Fast = new() { Epochs = 3, BatchSize = 16, LearningRate = 0.05f, Seed = 3 };

    private static MultiHeadSoftmaxRegression NewModel(int seed = 11) => new(1, 2, 4, hidden: 6, seed);

    [Test]
    public void Learns_each_task_and_fills_a_lower_triangular_accuracy_matrix()
    {
        var tasks = SyntheticTasks.Make(tasks: 3, classes: 3, trainPerTask: 120, testPerTask: 60, seed: 5);
        var result = new ContinualTrainer(NewModel(), Fast).Run(tasks);

        Assert.That(result.Accuracy.Tasks, Is.EqualTo(3));
        for (int i = 0; i < 3; i++)
        {
            Assert.That(result.Accuracy.Row(i), Has.Count.EqualTo(i + 1));
            Assert.That(result.Accuracy[i, i], Is.GreaterThan(0.9), $"task {i} right after learning it");
        }
        Assert.That(result.Tasks.Select(t => t.TaskName), Is.EqualTo(new[] { "synthetic-0", "synthetic-1", "synthetic-2" }));
        Assert.That(result.Tasks.All(t => t.Seconds > 0 && t.MsPerStep > 0 && t.Capacity is { Capacity: 1.0 }));
    }

    [Test]
    public void Same_seed_gives_bit_identical_accuracy_matrix_and_weights_and_another_seed_does_not()
    {
        var tasks = SyntheticTasks.Make(tasks: 3, classes: 4, trainPerTask: 100, testPerTask: 97, seed: 9, spread: 1.5f);
        (double[][] R, float[] W) Train(int seed)
        {
            var model = NewModel();
            var result = new ContinualTrainer(model, Fast with { Seed = seed }).Run(tasks);
            return (result.Accuracy.ToJagged(), model.W.Value.ToArray());
        }
        var a = Train(1);
        var b = Train(1);
        var c = Train(2);
        Assert.That(a.R, Is.EqualTo(b.R));
        Assert.That(a.W.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(b.W.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(c.W, Is.Not.EqualTo(a.W), "a different seed must shuffle differently");
    }

    [Test]
    public void Hooks_run_in_loop_order_with_the_decayed_learning_rate()
    {
        var tasks = SyntheticTasks.Make(tasks: 2, classes: 2, trainPerTask: 40, testPerTask: 10, seed: 1);
        var hook = new RecordingHook();
        new ContinualTrainer(NewModel(), Fast with { Epochs = 2, BatchSize = 16, LearningRate = 0.1f }, hook).Run(tasks);

        // 40 samples in batches of 16: 3 steps per epoch (16, 16, 8); step numbers restart per task.
        string epoch(int e, int s) => $"BeforeEpoch {e} | Backward {s} n=16 | Step {s} | Backward {s + 1} n=16 | Step {s + 1} | Backward {s + 2} n=8 | Step {s + 2} | AfterEpoch {e}";
        string task(int t) => $"BeforeTask {t} | {epoch(0, 1)} | {epoch(1, 4)} | AfterTask {t}";
        Assert.That(string.Join(" | ", hook.Events), Is.EqualTo($"{task(0)} | {task(1)}"));
        Assert.That(hook.LearningRates, Is.EqualTo(new[] { 0.1f, 0.095f, 0.1f, 0.095f }).Within(1e-7f));
    }

    [Test]
    public void Hook_gradient_is_applied_by_the_optimizer_step()
    {
        // A hook that drives W towards +∞ with a huge gradient dominates Adam's step: every W entry
        // must move by about −lr per step in the direction of the hook's (negative) gradient.
        var tasks = SyntheticTasks.Make(tasks: 1, classes: 2, trainPerTask: 16, testPerTask: 4, seed: 2);
        var model = NewModel();
        float[] before = model.W.Value.ToArray();
        new ContinualTrainer(model, Fast with { Epochs = 1, BatchSize = 16, LearningRate = 0.01f }, new PushHook(model.W, -1e6f)).Run(tasks);
        for (int i = 0; i < before.Length; i++) Assert.That(model.W.Value[i] - before[i], Is.EqualTo(0.01f).Within(1e-4f));
    }

    [Test]
    public void Label_outside_the_task_classes_stops_with_task_step_and_tensor()
    {
        var tasks = SyntheticTasks.Make(tasks: 1, classes: 2, trainPerTask: 32, testPerTask: 4, seed: 2);
        tasks[0].Train.Labels[20] = 7;
        var e = Assert.Throws<TrainingFailedException>(() => new ContinualTrainer(NewModel(), Fast with { BatchSize = 32 }).Run(tasks))!;
        Assert.That((e.TaskId, e.Step, e.Tensor), Is.EqualTo((0, 1, "labels")));
        Assert.That(e.Message, Does.Contain("synthetic-0").And.Contain("step 1").And.Contain("label 7"));
    }

    [Test]
    public void Samples_of_the_wrong_shape_are_rejected_before_training()
    {
        var model = NewModel();
        var wrong = new TaskData("wide", new LabeledSet(new float[16], [0, 1], classes: 2, channels: 1, height: 1, width: 8), new LabeledSet(new float[8], [0], classes: 2, channels: 1, height: 1, width: 8));
        var e = Assert.Throws<TrainingFailedException>(() => new ContinualTrainer(model, Fast).Run([wrong]))!;
        Assert.That(e.Message, Does.Contain("1×1×8").And.Contain("1×2×4"));
        Assert.That(model.ForwardCalls, Is.Zero);
    }

    [Test]
    public void Non_finite_input_stops_at_the_first_step_naming_the_loss()
    {
        var tasks = SyntheticTasks.Make(tasks: 2, classes: 2, trainPerTask: 32, testPerTask: 4, seed: 2);
        Array.Fill(tasks[1].Train.Images, float.NaN, 0, 8);
        var e = Assert.Throws<TrainingFailedException>(() => new ContinualTrainer(NewModel(), Fast with { BatchSize = 32 }).Run(tasks))!;
        Assert.That((e.TaskId, e.TaskName, e.Epoch, e.Step, e.Tensor), Is.EqualTo((1, "synthetic-1", 0, 1, "cross-entropy loss")));
    }

    [Test]
    public void Non_finite_gradient_from_a_hook_stops_naming_the_parameter_and_element()
    {
        var tasks = SyntheticTasks.Make(tasks: 1, classes: 2, trainPerTask: 64, testPerTask: 4, seed: 2);
        var model = NewModel();
        var e = Assert.Throws<TrainingFailedException>(() => new ContinualTrainer(model, Fast with { BatchSize = 16 }, new PoisonHook(model.W, atStep: 3, index: 5)).Run(tasks))!;
        Assert.That((e.Step, e.Tensor), Is.EqualTo((3, "gradient of 'W'")));
        Assert.That(e.Message, Does.Contain("element 5 is ∞").Or.Contain("element 5 is Infinity"));
    }

    [Test]
    public void Evaluating_an_unknown_task_id_is_an_error()
    {
        var tasks = SyntheticTasks.Make(tasks: 1, classes: 2, trainPerTask: 16, testPerTask: 4, seed: 2);
        var trainer = new ContinualTrainer(NewModel(), Fast with { Epochs = 1 });
        trainer.Run(tasks);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Evaluate(1, tasks[0].Test))!;
        Assert.That(e.Message, Does.Contain("Unknown task id 1"));
    }

    private sealed class RecordingHook : ITrainingHook
    {
        public List<string> Events { get; } = new();
        public List<float> LearningRates { get; } = new();
        public void BeforeTask(TrainingContext ctx) => Events.Add($"BeforeTask {ctx.TaskId}");
        public void AfterTask(TrainingContext ctx) => Events.Add($"AfterTask {ctx.TaskId}");
        public void BeforeEpoch(TrainingContext ctx) { Events.Add($"BeforeEpoch {ctx.Epoch}"); LearningRates.Add(ctx.LearningRate); }
        public void AfterEpoch(TrainingContext ctx) => Events.Add($"AfterEpoch {ctx.Epoch}");
        public double AfterBackward(TrainingContext ctx) { Events.Add($"Backward {ctx.Step} n={ctx.BatchSize}"); return 0; }
        public void AfterStep(TrainingContext ctx) => Events.Add($"Step {ctx.Step}");
    }

    private sealed class PushHook(Parameter p, float gradient) : ITrainingHook
    {
        public double AfterBackward(TrainingContext ctx)
        {
            for (int i = 0; i < p.Length; i++) p.Grad[i] += gradient;
            return 0;
        }
    }

    private sealed class PoisonHook(Parameter p, int atStep, int index) : ITrainingHook
    {
        public double AfterBackward(TrainingContext ctx)
        {
            if (ctx.Step == atStep) p.Grad[index] = float.PositiveInfinity;
            return 0;
        }
    }
}
