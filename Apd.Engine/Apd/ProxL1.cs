// The proximal step of t·‖τ‖₁ (soft-threshold): τ ← sign(τ)·max(|τ| − t, 0), in place or into y.
// Entries with |τ| ≤ t become exact zeros, which is what keeps the task-adaptive weights sparse.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Decomposition;

public static class ProxL1
{
    public static void SoftThreshold(ReadOnlySpan<float> tau, float threshold, Span<float> y)
    {
        if (y.Length != tau.Length) throw new ArgumentException("tau and y differ in length");
        if (!(threshold >= 0)) throw new ArgumentOutOfRangeException(nameof(threshold), "threshold must be ≥ 0");
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var t = Vector512.Create(threshold);
            for (; i <= tau.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                Apply(Vector512.Create(tau.Slice(i, Vector512<float>.Count)), t).CopyTo(y.Slice(i));
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var t = Vector256.Create(threshold);
            for (; i <= tau.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                Apply(Vector256.Create(tau.Slice(i, Vector256<float>.Count)), t).CopyTo(y.Slice(i));
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var t = Vector128.Create(threshold);
            for (; i <= tau.Length - Vector128<float>.Count; i += Vector128<float>.Count)
                Apply(Vector128.Create(tau.Slice(i, Vector128<float>.Count)), t).CopyTo(y.Slice(i));
        }
        for (; i < tau.Length; i++) y[i] = Scalar(tau[i], threshold);
    }

    public static void SoftThreshold(Span<float> tau, float threshold) => SoftThreshold(tau, threshold, tau);

    /// <summary>τ_e ← sign(τ_e)·max(|τ_e| − t_e, 0) with one threshold per element (a diagonally preconditioned prox).</summary>
    public static void SoftThreshold(Span<float> tau, ReadOnlySpan<float> thresholds)
    {
        if (thresholds.Length != tau.Length) throw new ArgumentException("tau and thresholds differ in length");
        for (int i = 0; i < tau.Length; i++) tau[i] = Scalar(tau[i], thresholds[i]);
    }

    /// <summary>
    /// The proximal step in Adam's diagonal metric, fused with the second-moment update Adam makes:
    /// v ← β2·v + (1−β2)·g², t = scale/(√v/√(1−β2^k) + ε), τ ← sign(τ)·max(|τ| − t, 0).
    /// </summary>
    public static void SoftThresholdAdamMetric(Span<float> tau, ReadOnlySpan<float> grad, Span<float> secondMoment,
        float scale, float beta2, float bias2Sqrt, float epsilon)
    {
        if (grad.Length != tau.Length || secondMoment.Length != tau.Length) throw new ArgumentException("tau, grad and secondMoment differ in length");
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var b2 = new Vector<float>(beta2);
            var oneMinusB2 = new Vector<float>(1 - beta2);
            var invBias = new Vector<float>(1 / bias2Sqrt);
            var eps = new Vector<float>(epsilon);
            var sc = new Vector<float>(scale);
            for (; i <= tau.Length - w; i += w)
            {
                var g = new Vector<float>(grad.Slice(i));
                var v = b2 * new Vector<float>(secondMoment.Slice(i)) + oneMinusB2 * g * g;
                v.CopyTo(secondMoment.Slice(i));
                var t = sc / (Vector.SquareRoot(v) * invBias + eps);
                var x = new Vector<float>(tau.Slice(i));
                var mag = Vector.Max(Vector.Abs(x) - t, Vector<float>.Zero);
                var signed = Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -mag, mag);
                // +0 wherever the magnitude is zero, so sub-threshold entries become exact (+)zeros.
                Vector.ConditionalSelect(Vector.GreaterThan(mag, Vector<float>.Zero), signed, Vector<float>.Zero).CopyTo(tau.Slice(i));
            }
        }
        for (; i < tau.Length; i++)
        {
            float v = beta2 * secondMoment[i] + (1 - beta2) * grad[i] * grad[i];
            secondMoment[i] = v;
            tau[i] = Scalar(tau[i], scale / (MathF.Sqrt(v) * (1 / bias2Sqrt) + epsilon));
        }
    }

    /// <summary>Generic (double-capable) soft-threshold for gradient checks and the closed forms.</summary>
    public static void SoftThreshold<T>(ReadOnlySpan<T> tau, T threshold, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length != tau.Length) throw new ArgumentException("tau and y differ in length");
        for (int i = 0; i < tau.Length; i++) y[i] = Scalar(tau[i], threshold);
    }

    public static T Scalar<T>(T tau, T threshold) where T : IFloatingPointIeee754<T>
    {
        T shrunk = T.Abs(tau) - threshold;
        return shrunk > T.Zero ? T.CopySign(shrunk, tau) : T.Zero;
    }

    // max(|τ| − t, 0) with τ's sign; the max against +0 makes every sub-threshold entry exactly +0.
    private static Vector512<float> Apply(Vector512<float> tau, Vector512<float> t)
    {
        var mag = Vector512.Max(Vector512.Abs(tau) - t, Vector512<float>.Zero);
        return mag | (tau & Vector512.Create(-0.0f)) & Vector512.GreaterThan(mag, Vector512<float>.Zero);
    }

    private static Vector256<float> Apply(Vector256<float> tau, Vector256<float> t)
    {
        var mag = Vector256.Max(Vector256.Abs(tau) - t, Vector256<float>.Zero);
        return mag | (tau & Vector256.Create(-0.0f)) & Vector256.GreaterThan(mag, Vector256<float>.Zero);
    }

    private static Vector128<float> Apply(Vector128<float> tau, Vector128<float> t)
    {
        var mag = Vector128.Max(Vector128.Abs(tau) - t, Vector128<float>.Zero);
        return mag | (tau & Vector128.Create(-0.0f)) & Vector128.GreaterThan(mag, Vector128<float>.Zero);
    }
}
