// One old task's retroactive reconstruction term in its plain (joint) form:
// loss = (λ/2)·Σ (σ ⊙ M + τ − θ*)², M = sigmoid(v) broadcast along the channel axis.
// ACCUMULATES dσ += λ r ⊙ M, dv_c += λ Σ_c r ⊙ σ · M(1−M), dτ += λ r, with r = σ ⊙ M + τ − θ*.
// Costs O(|σ|) per old task; RetroactiveClosedForm gives the σ-gradient of all of them in O(|σ|).
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Apd.Engine.Decomposition;

public static class RetroactiveLoss
{
    public static T LossAndGradient<T>(ReadOnlySpan<T> sigma, ReadOnlySpan<T> mask, ReadOnlySpan<T> tau, ReadOnlySpan<T> thetaStar, T lambda,
        Span<T> dSigma, Span<T> dv, Span<T> dTau, in DecompositionGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate(thetaStar.Length, mask.Length);
        T[] r = ArrayPool<T>.Shared.Rent(g.Length);
        try
        {
            Span<T> residual = r.AsSpan(0, g.Length); // (Outer, Channels, Inner)
            ApdCompose.Forward(sigma, mask, tau, residual, g);
            TensorPrimitives.Subtract(residual, thetaStar, residual);
            T loss = lambda * TensorPrimitives.SumOfSquares<T>(residual) / T.CreateChecked(2);
            TensorPrimitives.Multiply(residual, lambda, residual);
            ApdCompose.Backward(sigma, mask, residual, dSigma, dv, dTau, g);
            return loss;
        }
        finally
        {
            ArrayPool<T>.Shared.Return(r);
        }
    }
}
