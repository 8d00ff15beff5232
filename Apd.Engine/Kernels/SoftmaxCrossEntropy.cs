// Softmax cross-entropy on logits (N, K) row-major with integer labels, averaged over the batch:
// loss = (1/N)·Σ_n [logsumexp(z_n) − z_n[label_n]]; dLogits (overwritten) = (softmax(z_n) − onehot)/N.
using System.Numerics;
using System.Numerics.Tensors;

namespace Apd.Engine.Kernels;

public static class SoftmaxCrossEntropy
{
    /// <summary>Returns the mean loss; fills dLogits with its gradient unless dLogits is empty.</summary>
    public static T Forward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> dLogits, int batch, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch < 0 || classes <= 0 || logits.Length != batch * classes || labels.Length != batch)
            throw new ArgumentException($"Softmax cross-entropy buffers do not match batch {batch} × classes {classes}.");
        if (!dLogits.IsEmpty && dLogits.Length != logits.Length) throw new ArgumentException("dLogits must match logits (or be empty).");
        if (batch == 0) return T.Zero;
        T inverseBatch = T.One / T.CreateChecked(batch);
        T total = T.Zero;
        for (int n = 0; n < batch; n++)
        {
            int label = labels[n];
            if ((uint)label >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"label {label} of row {n} is outside 0..{classes - 1}");
            ReadOnlySpan<T> z = logits.Slice(n * classes, classes);
            T max = TensorPrimitives.Max(z);
            T sumExp = T.Zero;
            for (int k = 0; k < classes; k++) sumExp += T.Exp(z[k] - max);
            T logSumExp = max + T.Log(sumExp);
            total += logSumExp - z[label];
            if (dLogits.IsEmpty) continue;
            Span<T> d = dLogits.Slice(n * classes, classes);
            for (int k = 0; k < classes; k++) d[k] = T.Exp(z[k] - logSumExp) * inverseBatch;
            d[label] -= inverseBatch;
        }
        return total * inverseBatch;
    }
}
