// θ = σ ⊙ M + τ with M = sigmoid(v) broadcast along the output-channel axis (DecompositionGeometry).
// Backward from dθ ACCUMULATES: dσ += dθ ⊙ M, dv_c += Σ_{elements of c} dθ ⊙ σ · M_c(1 − M_c), dτ += dθ.
// Row-major (Outer, Channels, Inner); the inner rows are contiguous and go through TensorPrimitives.
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Apd.Engine.Decomposition;

public static class ApdCompose
{
    /// <summary>M = sigmoid(v), one value per output channel.</summary>
    public static void Mask<T>(ReadOnlySpan<T> v, Span<T> mask) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (mask.Length != v.Length) throw new ArgumentException("mask and v differ in length");
        TensorPrimitives.Sigmoid(v, mask);
    }

    /// <summary>θ = σ ⊙ M + τ (τ dense).</summary>
    public static void Forward<T>(ReadOnlySpan<T> sigma, ReadOnlySpan<T> mask, ReadOnlySpan<T> tau, Span<T> theta, in DecompositionGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate(sigma.Length, mask.Length);
        g.Validate(tau.Length, mask.Length);
        g.Validate(theta.Length, mask.Length);
        int row = g.Channels * g.Inner;
        for (int o = 0; o < g.Outer; o++)
        {
            int b = o * row;
            if (g.Inner == 1)
            {
                TensorPrimitives.MultiplyAdd(sigma.Slice(b, row), mask, tau.Slice(b, row), theta.Slice(b, row));
                continue;
            }
            for (int c = 0; c < g.Channels; c++)
            {
                int s = b + c * g.Inner;
                TensorPrimitives.MultiplyAdd(sigma.Slice(s, g.Inner), mask[c], tau.Slice(s, g.Inner), theta.Slice(s, g.Inner));
            }
        }
    }

    /// <summary>θ = σ ⊙ M (the shared part; sparse τ and shared σ̃ are scattered on top by the caller).</summary>
    public static void ForwardShared<T>(ReadOnlySpan<T> sigma, ReadOnlySpan<T> mask, Span<T> theta, in DecompositionGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate(sigma.Length, mask.Length);
        g.Validate(theta.Length, mask.Length);
        int row = g.Channels * g.Inner;
        for (int o = 0; o < g.Outer; o++)
        {
            int b = o * row;
            if (g.Inner == 1)
            {
                TensorPrimitives.Multiply(sigma.Slice(b, row), mask, theta.Slice(b, row));
                continue;
            }
            for (int c = 0; c < g.Channels; c++)
            {
                int s = b + c * g.Inner;
                TensorPrimitives.Multiply(sigma.Slice(s, g.Inner), mask[c], theta.Slice(s, g.Inner));
            }
        }
    }

    /// <summary>
    /// Accumulates dσ += dθ ⊙ M, dv += Σ dθ ⊙ σ ⊙ M(1−M) per channel, dτ += dθ.
    /// Pass an empty <paramref name="dSigma"/>, <paramref name="dv"/> or <paramref name="dTau"/> to skip that gradient.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> sigma, ReadOnlySpan<T> mask, ReadOnlySpan<T> dTheta,
        Span<T> dSigma, Span<T> dv, Span<T> dTau, in DecompositionGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validate(sigma.Length, mask.Length);
        g.Validate(dTheta.Length, mask.Length);
        if (!dSigma.IsEmpty) g.Validate(dSigma.Length, mask.Length);
        if (!dTau.IsEmpty) g.Validate(dTau.Length, mask.Length);
        if (!dv.IsEmpty && dv.Length != g.Channels) throw new ArgumentException("dv length differs from the channel count");

        if (!dTau.IsEmpty) TensorPrimitives.Add(dTau, dTheta, dTau);
        int row = g.Channels * g.Inner;
        T[]? rented = null;
        // Σ over the channel's elements of dθ ⊙ σ, per channel: (Channels)
        Span<T> dotPerChannel = g.Channels <= 512 ? stackalloc T[g.Channels] : (rented = ArrayPool<T>.Shared.Rent(g.Channels)).AsSpan(0, g.Channels);
        dotPerChannel.Clear();
        try
        {
            for (int o = 0; o < g.Outer; o++)
            {
                int b = o * row;
                if (g.Inner == 1)
                {
                    if (!dSigma.IsEmpty) TensorPrimitives.MultiplyAdd(dTheta.Slice(b, row), mask, dSigma.Slice(b, row), dSigma.Slice(b, row));
                    if (!dv.IsEmpty) TensorPrimitives.MultiplyAdd(dTheta.Slice(b, row), sigma.Slice(b, row), dotPerChannel, dotPerChannel);
                    continue;
                }
                for (int c = 0; c < g.Channels; c++)
                {
                    int s = b + c * g.Inner;
                    if (!dSigma.IsEmpty) TensorPrimitives.MultiplyAdd(dTheta.Slice(s, g.Inner), mask[c], dSigma.Slice(s, g.Inner), dSigma.Slice(s, g.Inner));
                    if (!dv.IsEmpty) dotPerChannel[c] += TensorPrimitives.Dot(dTheta.Slice(s, g.Inner), sigma.Slice(s, g.Inner));
                }
            }
            if (!dv.IsEmpty)
                for (int c = 0; c < g.Channels; c++)
                    dv[c] += dotPerChannel[c] * mask[c] * (T.One - mask[c]);
        }
        finally
        {
            if (rented is not null) ArrayPool<T>.Shared.Return(rented);
        }
    }
}
