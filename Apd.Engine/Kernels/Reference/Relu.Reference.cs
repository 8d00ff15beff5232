// Naive twin of Relu: one element at a time.
using System.Numerics;

namespace Apd.Engine.Kernels.Reference;

public static class ReluReference
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > T.Zero ? x[i] : T.Zero;
    }

    public static void Backward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
    }
}
