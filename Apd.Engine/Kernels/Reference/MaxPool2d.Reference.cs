// Naive twin of MaxPool2d: every window cell is visited, padded cells read as −∞; backward rescans
// the window to find the winner (first maximum in row-major order) and overwrites dx.
using System.Numerics;

namespace Apd.Engine.Kernels.Reference;

public static class MaxPool2dReference
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, in Pool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth;
        for (int p = 0; p < g.Batch * g.Channels; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    var (value, _) = Winner(x, p, i, j, g);
                    y[(p * oh + i) * ow + j] = value;
                }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, in Pool2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth;
        dx.Clear();
        for (int p = 0; p < g.Batch * g.Channels; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    var (_, at) = Winner(x, p, i, j, g);
                    if (at >= 0) dx[at] += dy[(p * oh + i) * ow + j];
                }
    }

    private static (T Value, int Index) Winner<T>(ReadOnlySpan<T> x, int plane, int i, int j, in Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T best = T.NegativeInfinity;
        int at = -1;
        for (int ki = 0; ki < g.KernelHeight; ki++)
            for (int kj = 0; kj < g.KernelWidth; kj++)
            {
                int h = i * g.StrideHeight - g.PadTop + ki, w = j * g.StrideWidth - g.PadLeft + kj;
                bool inside = h >= 0 && h < g.InHeight && w >= 0 && w < g.InWidth;
                T v = inside ? x[(plane * g.InHeight + h) * g.InWidth + w] : T.NegativeInfinity;
                if (inside && (at < 0 || v > best))
                {
                    best = v;
                    at = (plane * g.InHeight + h) * g.InWidth + w;
                }
            }
        return (best, at);
    }
}
