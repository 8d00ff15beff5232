// Max pooling over NCHW planes. Padded cells count as −∞ (TensorFlow SAME), so only real pixels win.
// Forward takes, per output row, the element-wise max of the window's input rows (vectorised along the
// row), then the max over each window's columns. Backward overwrites dx: each dy goes to the first pixel
// of its window (row-major order) that equals the window's output — the first maximum, as in the twin.
using System.Numerics;
using System.Numerics.Tensors;

namespace Apd.Engine.Kernels;

public static class MaxPool2d
{
    /// <summary>Scratch Forward needs: one input row.</summary>
    public static int ForwardScratchLength(in Pool2dGeometry g) => g.InWidth;

    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, in Pool2dGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validated();
        int oh = g.OutHeight, ow = g.OutWidth, inPlane = g.InHeight * g.InWidth, outPlane = oh * ow, width = g.InWidth;
        if (x.Length != g.Batch * g.InputImageSize || y.Length != g.Batch * g.OutputImageSize)
            throw new ArgumentException($"MaxPool2d buffers do not match {g}.");
        if (scratch.Length < width) throw new ArgumentException($"MaxPool2d needs {width} scratch elements.");
        Span<T> columnMax = scratch[..width]; // max over the window's rows, per input column
        for (int p = 0; p < g.Batch * g.Channels; p++)
        {
            ReadOnlySpan<T> xp = x.Slice(p * inPlane, inPlane);
            Span<T> yp = y.Slice(p * outPlane, outPlane);
            for (int i = 0; i < oh; i++)
            {
                int h0 = i * g.StrideHeight - g.PadTop;
                int hs = Math.Max(h0, 0), he = Math.Min(h0 + g.KernelHeight, g.InHeight);
                Span<T> yRow = yp.Slice(i * ow, ow);
                if (hs >= he)
                {
                    yRow.Fill(T.NegativeInfinity);
                    continue;
                }
                xp.Slice(hs * width, width).CopyTo(columnMax);
                for (int h = hs + 1; h < he; h++) TensorPrimitives.Max(columnMax, xp.Slice(h * width, width), columnMax);
                for (int j = 0; j < ow; j++)
                {
                    int w0 = j * g.StrideWidth - g.PadLeft;
                    int ws = Math.Max(w0, 0), we = Math.Min(w0 + g.KernelWidth, width);
                    T best = T.NegativeInfinity;
                    for (int w = ws; w < we; w++)
                    {
                        T v = columnMax[w];
                        best = v > best ? v : best;
                    }
                    yRow[j] = best;
                }
            }
        }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, in Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validated();
        int oh = g.OutHeight, ow = g.OutWidth, inPlane = g.InHeight * g.InWidth, outPlane = oh * ow, width = g.InWidth;
        if (x.Length != g.Batch * g.InputImageSize || dx.Length != x.Length || y.Length != g.Batch * g.OutputImageSize || dy.Length != y.Length)
            throw new ArgumentException($"MaxPool2d backward buffers do not match {g}.");
        dx.Clear();
        for (int p = 0; p < g.Batch * g.Channels; p++)
        {
            ReadOnlySpan<T> xp = x.Slice(p * inPlane, inPlane);
            Span<T> dxp = dx.Slice(p * inPlane, inPlane);
            for (int i = 0; i < oh; i++)
            {
                int h0 = i * g.StrideHeight - g.PadTop;
                int hs = Math.Max(h0, 0), he = Math.Min(h0 + g.KernelHeight, g.InHeight);
                for (int j = 0; j < ow; j++)
                {
                    int w0 = j * g.StrideWidth - g.PadLeft;
                    int ws = Math.Max(w0, 0), we = Math.Min(w0 + g.KernelWidth, width);
                    T target = y[p * outPlane + i * ow + j];
                    int at = FirstEqual(xp, width, hs, he, ws, we, target);
                    if (at >= 0) dxp[at] += dy[p * outPlane + i * ow + j];
                }
            }
        }
    }

    private static int FirstEqual<T>(ReadOnlySpan<T> plane, int width, int hs, int he, int ws, int we, T target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int h = hs; h < he; h++)
            for (int w = ws; w < we; w++)
                if (plane[h * width + w] == target) return h * width + w;
        return -1;
    }
}
