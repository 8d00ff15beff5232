// Naive twin of ApdCompose: one element at a time, the channel found by index arithmetic.
// θ = σ ⊙ sigmoid(v) + τ; backward accumulates dσ, dv, dτ. The oracle for tests and benchmarks.
using System.Numerics;

namespace Apd.Engine.Decomposition.Reference;

public static class ApdComposeReference
{
    public static T Sigmoid<T>(T v) where T : IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-v));

    public static void Forward<T>(ReadOnlySpan<T> sigma, ReadOnlySpan<T> v, ReadOnlySpan<T> tau, Span<T> theta, in DecompositionGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < g.Length; i++)
            theta[i] = sigma[i] * Sigmoid(v[g.ChannelOf(i)]) + tau[i];
    }

    public static void Backward<T>(ReadOnlySpan<T> sigma, ReadOnlySpan<T> v, ReadOnlySpan<T> dTheta,
        Span<T> dSigma, Span<T> dv, Span<T> dTau, in DecompositionGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < g.Length; i++)
        {
            int c = g.ChannelOf(i);
            T m = Sigmoid(v[c]);
            dSigma[i] += dTheta[i] * m;
            dv[c] += dTheta[i] * sigma[i] * m * (T.One - m);
            dTau[i] += dTheta[i];
        }
    }
}
