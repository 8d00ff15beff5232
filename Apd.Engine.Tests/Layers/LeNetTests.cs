using Apd.Engine.Layers;
using Apd.Engine.Tests.Kernels;

namespace Apd.Engine.Tests.Layers;

[TestFixture]
public class LeNetTests
{
    [TestCase(3, 32, 32, 3200)]
    [TestCase(1, 28, 28, 2450)]
    public void Trunk_flattens_to_the_authors_size_and_ends_in_500_features(int c, int h, int w, int flattened)
    {
        var trunk = LeNet.Trunk(c, h, w, new InitializedWeights(1));
        var flatten = trunk.Single(l => l is FlattenLayer);
        Assert.That(flatten.OutputSize, Is.EqualTo(flattened));
        Assert.That(trunk[^1].OutputSize, Is.EqualTo(LeNet.FeatureSize));
        var fc1 = trunk.OfType<DenseLayer>().First();
        Assert.That(fc1.Weight.Shape, Is.EqualTo(new[] { flattened, 800 }));
    }

    [Test]
    public void Predict_equals_training_forward_and_is_safe_from_several_threads()
    {
        var net = LeNet.Create(1, 28, 28, seed: 5);
        net.BeginTask(0, 10);
        net.BeginTask(1, 3);
        var rng = new Random(2);
        const int batch = 3;
        float[] x = Close.RandomFloat(rng, batch * 28 * 28);
        float[] expected0 = new float[batch * 10], expected1 = new float[batch * 3];
        net.Forward(0, x, batch, expected0);
        net.Forward(1, x, batch, expected1);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 16, i =>
        {
            int task = i % 2;
            float[] got = new float[batch * (task == 0 ? 10 : 3)];
            net.Predict(task, x, batch, got);
            float[] want = task == 0 ? expected0 : expected1;
            for (int k = 0; k < got.Length; k++)
                if (Math.Abs(got[k] - want[k]) > 1e-5f + 1e-4f * Math.Abs(want[k])) failures.Add($"call {i} task {task} logit {k}: {got[k]} vs {want[k]}");
        });
        Assert.That(failures, Is.Empty);
    }
}
