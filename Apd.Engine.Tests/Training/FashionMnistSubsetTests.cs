using Apd.Data;
using Apd.Engine.Layers;
using Apd.Engine.Tensors;
using Apd.Engine.Training;
using Apd.Engine.Training.Baselines;

namespace Apd.Engine.Tests.Training;

public sealed class FashionMnistSubsetTests
{
    [Test]
    public void Single_task_lenet_learns_a_small_fashion_mnist_subset_well_above_chance()
    {
        string data = TestData.SharedDataOrIgnore();
        var task = ContinualBenchmarks.Load("fmnist", new BenchmarkOptions { DataDir = data, TrainPerTask = 600, TestPerTask = 300, Seed = 2 }).Tasks[0];
        var model = new SingleTaskModels(NetworkArchitecture.LeNetFor(1, 28, 28), seed: 1);
        var result = new ContinualTrainer(model, new TrainerOptions { Epochs = 1, BatchSize = 50, LearningRate = 2e-3f })
            .Run([new TaskData("fmnist subset", task.Train, task.Test)]);
        // 10 classes: chance is 0.10; 12 Adam steps on 600 images reach about 0.6.
        Assert.That(result.Accuracy[0, 0], Is.GreaterThan(0.45), $"accuracy {result.Accuracy[0, 0]}");
    }
}
