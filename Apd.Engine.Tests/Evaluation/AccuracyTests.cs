using Apd.Engine.Evaluation;
using Apd.Engine.Tensors;

namespace Apd.Engine.Tests.Evaluation;

public sealed class AccuracyTests
{
    [Test]
    public void Counts_samples_whose_largest_logit_is_the_label_across_a_ragged_last_batch()
    {
        // 7 one-pixel samples, 3 classes; the "model" predicts class = pixel value, batches of 3 (3+3+1).
        float[] pixels = [0, 1, 2, 2, 1, 0, 1];
        int[] labels = [0, 1, 1, 2, 1, 2, 1];
        var set = new LabeledSet(pixels, labels, classes: 3, channels: 1, height: 1, width: 1);
        var batches = new List<int>();
        double acc = Accuracy.Evaluate((x, n, logits) =>
        {
            batches.Add(n);
            logits.Clear();
            for (int s = 0; s < n; s++) logits[s * 3 + (int)x[s]] = 1f;
        }, set, batchSize: 3);
        Assert.That(acc, Is.EqualTo(5.0 / 7));
        Assert.That(batches, Is.EqualTo(new[] { 3, 3, 1 }));
    }

    [Test]
    public void Capacity_is_kept_weights_over_one_network()
    {
        var report = new CapacityReport(NetworkWeights: 1000, SharedNonZeros: 900, TaskAdaptiveNonZeros: 163, MaskValues: 50, BiasAndHeadValues: 70);
        Assert.That(report.Capacity, Is.EqualTo(1.063).Within(1e-12));
        Assert.That(CapacityReport.CountNonZeros([0f, -0f, 1e-30f, 2f, 0f]), Is.EqualTo(2));
    }
}
