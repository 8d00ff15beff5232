// Mean softmax cross-entropy over a batch and its gradient with respect to the logits:
//   L = (1/N) Σ_n −log softmax(z_n)[y_n],   dL/dz_n = (softmax(z_n) − onehot(y_n)) / N.
// Computed with the max subtracted, in double for the per-row sums.
namespace Apd.Engine.Training;

internal static class SoftmaxCrossEntropy
{
    public static double LossAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, Span<float> dLogits)
    {
        int n = labels.Length;
        double total = 0;
        float inv = 1f / n;
        for (int s = 0; s < n; s++)
        {
            var z = logits.Slice(s * classes, classes);
            var d = dLogits.Slice(s * classes, classes);
            float max = float.NegativeInfinity;
            foreach (float v in z) max = MathF.Max(max, v);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(z[c] - max);
            double logSum = Math.Log(sum) + max;
            total += logSum - z[labels[s]];
            for (int c = 0; c < classes; c++) d[c] = (float)Math.Exp(z[c] - logSum) * inv;
            d[labels[s]] -= inv;
        }
        return total / n;
    }
}
