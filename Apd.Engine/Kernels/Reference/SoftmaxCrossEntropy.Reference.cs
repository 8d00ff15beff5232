// Naive twin of SoftmaxCrossEntropy: probabilities p = exp(z)/Σexp(z) without the max shift,
// loss = −(1/N)·Σ log p[label], dLogits = (p − onehot)/N.
using System.Numerics;

namespace Apd.Engine.Kernels.Reference;

public static class SoftmaxCrossEntropyReference
{
    public static T Forward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> dLogits, int batch, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T loss = T.Zero, n = T.CreateChecked(batch);
        for (int i = 0; i < batch; i++)
        {
            T sum = T.Zero;
            for (int k = 0; k < classes; k++) sum += T.Exp(logits[i * classes + k]);
            for (int k = 0; k < classes; k++)
            {
                T p = T.Exp(logits[i * classes + k]) / sum;
                if (k == labels[i]) loss -= T.Log(p);
                dLogits[i * classes + k] = (p - (k == labels[i] ? T.One : T.Zero)) / n;
            }
        }
        return loss / n;
    }
}
