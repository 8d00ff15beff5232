// Test accuracy of a classifier given as a batched predict function: the fraction of samples whose
// arg-max logit (first index on ties) equals the label.
using Apd.Engine.Tensors;

namespace Apd.Engine.Evaluation;

/// <summary>Writes logits (batch × classes) for a batch of NCHW samples.</summary>
public delegate void PredictBatch(ReadOnlySpan<float> x, int batch, Span<float> logits);

public static class Accuracy
{
    public static double Evaluate(PredictBatch predict, LabeledSet data, int batchSize = 100)
    {
        ArgumentNullException.ThrowIfNull(predict);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.Count == 0) throw new ArgumentException("Cannot measure accuracy on an empty set.", nameof(data));
        int classes = data.Classes, sample = data.SampleLength;
        var logits = new float[Math.Min(batchSize, data.Count) * classes]; // (batch, classes)
        long correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            predict(data.Images.AsSpan(start * sample, n * sample), n, logits.AsSpan(0, n * classes));
            for (int s = 0; s < n; s++)
                if (ArgMax(logits.AsSpan(s * classes, classes)) == data.Labels[start + s]) correct++;
        }
        return (double)correct / data.Count;
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
