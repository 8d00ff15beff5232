// Max pooling over NCHW planes. Padded cells count as −∞ (TensorFlow SAME), so only real pixels win;
// ties go to the first pixel in row-major window order. argMax (N, C, H_out, W_out) records the winner's
// index inside its input plane (−1 for a window made only of padding) and drives Backward,
// which overwrites dx with dy routed to the winners.
using System.Numerics;

namespace Apd.Engine.Kernels;

public static class MaxPool2d
{
    /// <summary>y ← max over each window; argMax may be empty when no backward follows (inference).</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argMax, in Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validated();
        int oh = g.OutHeight, ow = g.OutWidth, inPlane = g.InHeight * g.InWidth, outPlane = oh * ow;
        if (x.Length != g.Batch * g.InputImageSize || y.Length != g.Batch * g.OutputImageSize)
            throw new ArgumentException($"MaxPool2d buffers do not match {g}.");
        if (!argMax.IsEmpty && argMax.Length != y.Length) throw new ArgumentException("argMax must match y (or be empty).");
        bool record = !argMax.IsEmpty;
        for (int p = 0; p < g.Batch * g.Channels; p++)
        {
            ReadOnlySpan<T> xp = x.Slice(p * inPlane, inPlane);
            Span<T> yp = y.Slice(p * outPlane, outPlane);
            for (int i = 0; i < oh; i++)
            {
                int h0 = i * g.StrideHeight - g.PadTop;
                int hs = Math.Max(h0, 0), he = Math.Min(h0 + g.KernelHeight, g.InHeight);
                for (int j = 0; j < ow; j++)
                {
                    int w0 = j * g.StrideWidth - g.PadLeft;
                    int ws = Math.Max(w0, 0), we = Math.Min(w0 + g.KernelWidth, g.InWidth);
                    T best = T.NegativeInfinity;
                    int at = -1;
                    for (int h = hs; h < he; h++)
                    {
                        ReadOnlySpan<T> row = xp.Slice(h * g.InWidth, g.InWidth);
                        for (int w = ws; w < we; w++)
                            if (row[w] > best || at < 0)
                            {
                                best = row[w];
                                at = h * g.InWidth + w;
                            }
                    }
                    yp[i * ow + j] = best;
                    if (record) argMax[p * outPlane + i * ow + j] = at;
                }
            }
        }
    }

    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> argMax, Span<T> dx, in Pool2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validated();
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth;
        if (dx.Length != g.Batch * g.InputImageSize || dy.Length != g.Batch * g.OutputImageSize || argMax.Length != dy.Length)
            throw new ArgumentException($"MaxPool2d backward buffers do not match {g}.");
        dx.Clear();
        for (int p = 0; p < g.Batch * g.Channels; p++)
        {
            Span<T> dxp = dx.Slice(p * inPlane, inPlane);
            ReadOnlySpan<T> dyp = dy.Slice(p * outPlane, outPlane);
            ReadOnlySpan<int> ap = argMax.Slice(p * outPlane, outPlane);
            for (int q = 0; q < outPlane; q++)
                if (ap[q] >= 0) dxp[ap[q]] += dyp[q];
        }
    }
}
