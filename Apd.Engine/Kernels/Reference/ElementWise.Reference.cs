// Naive twins of Kernels/ElementWise: one scalar loop each, written straight from the formula.
using System.Numerics;

namespace Apd.Engine.Kernels.Reference;

public static class ElementWiseReference
{
    public static void ReluForward<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > T.Zero ? x[i] : T.Zero;
    }

    public static void ReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] > T.Zero ? dy[i] : T.Zero;
    }

    public static void SoftThreshold<T>(ReadOnlySpan<T> x, T threshold, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            T magnitude = T.Abs(x[i]) - threshold;
            y[i] = magnitude > T.Zero ? T.CopySign(magnitude, x[i]) : T.Zero;
        }
    }

    public static void Clamp<T>(ReadOnlySpan<T> x, T lo, T hi, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
    }

    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = T.One / (T.One + T.Exp(-x[i]));
    }

    public static void SigmoidBackward<T>(ReadOnlySpan<T> s, ReadOnlySpan<T> dy, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < s.Length; i++) dx[i] = dy[i] * s[i] * (T.One - s[i]);
    }
}
