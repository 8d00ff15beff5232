// Drift penalty (λ/2)·‖σ − σ_prev‖² that keeps the shared weights near their value after the
// previous task. Returns the loss; ACCUMULATES dσ += λ(σ − σ_prev). Flat spans of equal length.
using System.Numerics;
using System.Numerics.Tensors;

namespace Apd.Engine.Decomposition;

public static class DriftPenalty
{
    public static T LossAndGradient<T>(ReadOnlySpan<T> sigma, ReadOnlySpan<T> sigmaPrev, T lambda, Span<T> dSigma)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (sigmaPrev.Length != sigma.Length || (!dSigma.IsEmpty && dSigma.Length != sigma.Length))
            throw new ArgumentException("sigma, sigmaPrev and dSigma must have the same length");
        T loss = T.Zero;
        const int Block = 4096;
        Span<T> diff = stackalloc T[Math.Min(Block, sigma.Length)];
        for (int s = 0; s < sigma.Length; s += Block)
        {
            int n = Math.Min(Block, sigma.Length - s);
            Span<T> d = diff[..n];
            TensorPrimitives.Subtract(sigma.Slice(s, n), sigmaPrev.Slice(s, n), d);
            loss += TensorPrimitives.SumOfSquares<T>(d);
            if (!dSigma.IsEmpty) TensorPrimitives.MultiplyAdd(d, lambda, dSigma.Slice(s, n), dSigma.Slice(s, n));
        }
        return lambda * loss / T.CreateChecked(2);
    }
}
