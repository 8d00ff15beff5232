// Element-wise kernels on spans, generic over float/double: activations and their backward passes,
// the soft-threshold (proximal L1) step, clamping. Inputs first, destination last; the destination
// may be the input span itself (in place). Input gradients are written, not accumulated.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Kernels;

public static class ElementWise
{
    /// <summary>y = max(x, 0).</summary>
    public static void ReluForward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementWiseLoop.Unary(x, y, new ReluOperator<T>());

    /// <summary>dx = dy where x &gt; 0, else 0 (x is the forward input).</summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementWiseLoop.Binary(x, dy, dx, new ReluBackwardOperator<T>());

    /// <summary>y = sign(x)·max(|x| − t, 0): the proximal step of t‖x‖₁ (t ≥ 0).</summary>
    public static void SoftThreshold<T>(ReadOnlySpan<T> x, T threshold, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(threshold >= T.Zero)) throw new ArgumentOutOfRangeException(nameof(threshold), $"Threshold must be ≥ 0, got {threshold}.");
        ElementWiseLoop.Unary(x, y, new SoftThresholdOperator<T>(threshold));
    }

    /// <summary>In place: x ← sign(x)·max(|x| − t, 0).</summary>
    public static void SoftThreshold<T>(Span<T> x, T threshold) where T : unmanaged, IFloatingPointIeee754<T>
        => SoftThreshold((ReadOnlySpan<T>)x, threshold, x);

    /// <summary>y = min(max(x, lo), hi).</summary>
    public static void Clamp<T>(ReadOnlySpan<T> x, T lo, T hi, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(lo <= hi)) throw new ArgumentException($"Clamp bounds out of order: [{lo}, {hi}].");
        if (x.Length != y.Length) throw new ArgumentException($"Element-wise operands differ in length: {x.Length} vs {y.Length}.");
        if (x.Length > 0) TensorPrimitives.Clamp(x, lo, hi, y);
    }

    /// <summary>y = 1 / (1 + e^−x).</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length) throw new ArgumentException($"Element-wise operands differ in length: {x.Length} vs {y.Length}.");
        if (x.Length > 0) TensorPrimitives.Sigmoid(x, y);
    }

    /// <summary>dx = dy·s·(1 − s), with s = sigmoid(x) the forward output.</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> s, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
        => ElementWiseLoop.Binary(s, dy, dx, new SigmoidBackwardOperator<T>());
}

internal readonly struct ReluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // x > 0 ? x : 0 — keeps NaN as 0 like the naive twin (a comparison with NaN is false).
    public T Invoke(T x) => x > T.Zero ? x : T.Zero;
    public Vector128<T> Invoke(Vector128<T> x) => x & Vector128.GreaterThan(x, Vector128<T>.Zero);
    public Vector256<T> Invoke(Vector256<T> x) => x & Vector256.GreaterThan(x, Vector256<T>.Zero);
    public Vector512<T> Invoke(Vector512<T> x) => x & Vector512.GreaterThan(x, Vector512<T>.Zero);
}

internal readonly struct ReluBackwardOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x, T dy) => x > T.Zero ? dy : T.Zero;
    public Vector128<T> Invoke(Vector128<T> x, Vector128<T> dy) => dy & Vector128.GreaterThan(x, Vector128<T>.Zero);
    public Vector256<T> Invoke(Vector256<T> x, Vector256<T> dy) => dy & Vector256.GreaterThan(x, Vector256<T>.Zero);
    public Vector512<T> Invoke(Vector512<T> x, Vector512<T> dy) => dy & Vector512.GreaterThan(x, Vector512<T>.Zero);
}

internal readonly struct SoftThresholdOperator<T>(T threshold) : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // sign(x)·max(|x| − t, 0) = x − clamp(x, −t, t): exact for |x| > t (one rounding, same as the naive form),
    // exactly 0 inside the band.
    public T Invoke(T x) => x > threshold ? x - threshold : x < -threshold ? x + threshold : T.Zero;

    public Vector128<T> Invoke(Vector128<T> x)
    {
        var t = Vector128.Create(threshold);
        return ((x - t) & Vector128.GreaterThan(x, t)) | ((x + t) & Vector128.LessThan(x, -t));
    }

    public Vector256<T> Invoke(Vector256<T> x)
    {
        var t = Vector256.Create(threshold);
        return ((x - t) & Vector256.GreaterThan(x, t)) | ((x + t) & Vector256.LessThan(x, -t));
    }

    public Vector512<T> Invoke(Vector512<T> x)
    {
        var t = Vector512.Create(threshold);
        return ((x - t) & Vector512.GreaterThan(x, t)) | ((x + t) & Vector512.LessThan(x, -t));
    }
}

internal readonly struct SigmoidBackwardOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T s, T dy) => dy * (s * (T.One - s));
    public Vector128<T> Invoke(Vector128<T> s, Vector128<T> dy) => dy * (s * (Vector128<T>.One - s));
    public Vector256<T> Invoke(Vector256<T> s, Vector256<T> dy) => dy * (s * (Vector256<T>.One - s));
    public Vector512<T> Invoke(Vector512<T> s, Vector512<T> dy) => dy * (s * (Vector512<T>.One - s));
}
