using Apd.Engine.Layers;
using Apd.Engine.Training;
using Apd.Engine.Training.Baselines;

namespace Apd.Engine.Tests.Training;

public sealed class BaselineModelTests
{
    private static readonly TrainerOptions Fast = new() { Epochs = 2, BatchSize = 20, LearningRate = 0.01f, Seed = 4 };
    private static readonly NetworkArchitecture Tiny = NetworkArchitecture.Mlp(1, 2, 4, 12, 10);

    private static float[] Logits(IContinualModel model, int task, TaskData data)
    {
        var logits = new float[data.Test.Count * data.Classes];
        model.Predict(task, data.Test.Images, data.Test.Count, logits);
        return logits;
    }

    [Test]
    public void Stl_keeps_earlier_tasks_bit_identical_and_grows_one_network_per_task()
    {
        var tasks = SyntheticTasks.Make(tasks: 2, classes: 3, trainPerTask: 60, testPerTask: 30, seed: 3);
        var model = new SingleTaskModels(Tiny, seed: 1);
        var trainer = new ContinualTrainer(model, Fast);
        trainer.Run([tasks[0]]);
        float[] before = Logits(model, 0, tasks[0]);
        var result = trainer.Run([tasks[1]]);
        Assert.That(Logits(model, 0, tasks[0]), Is.EqualTo(before));
        var capacity = model.Capacity();
        Assert.That(capacity.Capacity, Is.EqualTo(2.0));
        Assert.That(capacity.NetworkWeights, Is.EqualTo(8 * 12 + 12 * 10));
        Assert.That(capacity.BiasAndHeadValues, Is.EqualTo(2 * (12 + 10 + 10 * 3 + 3)));
        Assert.That(result.Tasks[0].Capacity!.Capacity, Is.EqualTo(2.0));
    }

    [Test]
    public void Fine_tuning_shares_the_trunk_so_a_new_task_changes_the_old_ones_outputs()
    {
        var tasks = SyntheticTasks.Make(tasks: 2, classes: 3, trainPerTask: 60, testPerTask: 30, seed: 3);
        var model = new FineTuningModel(Tiny, seed: 1);
        var trainer = new ContinualTrainer(model, Fast);
        trainer.Run([tasks[0]]);
        float[] before = Logits(model, 0, tasks[0]);
        trainer.Run([tasks[1]]);
        Assert.That(Logits(model, 0, tasks[0]), Is.Not.EqualTo(before));
        Assert.That(model.Capacity().Capacity, Is.EqualTo(1.0));
        Assert.That(model.SharedParameters.Select(p => p.Name), Is.EqualTo(new[] { "fc1.w", "fc1.b", "fc2.w", "fc2.b" }));
        Assert.That(model.TrainableParameters(1).Select(p => p.Name), Does.Contain("head1.w").And.Not.Contain("head0.w"));
    }

    [Test]
    public void Baseline_models_reject_unknown_task_ids()
    {
        var stl = new SingleTaskModels(Tiny, seed: 1);
        var fine = new FineTuningModel(Tiny, seed: 1);
        var logits = new float[3];
        Assert.Throws<ArgumentOutOfRangeException>(() => stl.Predict(0, new float[8], 1, logits));
        Assert.Throws<ArgumentOutOfRangeException>(() => fine.Predict(0, new float[8], 1, logits));
        Assert.Throws<ArgumentOutOfRangeException>(() => stl.BeginTask(1, 3), "tasks are learned in order");
    }
}
