// Naive twin of Conv2d: the seven-loop definition, with zero padding tested cell by cell.
// y[n,o,i,j] = b[o] + Σ_{c,ki,kj} w[o,c,ki,kj]·x[n,c,i·sh − pt + ki, j·sw − pl + kj].
// Backward accumulates dw, db and overwrites dx (skipped when empty).
using System.Numerics;

namespace Apd.Engine.Kernels.Reference;

public static class Conv2dReference
{
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        T sum = b[o];
                        for (int c = 0; c < g.InChannels; c++)
                            for (int ki = 0; ki < g.KernelHeight; ki++)
                                for (int kj = 0; kj < g.KernelWidth; kj++)
                                {
                                    int ih = i * g.StrideHeight - g.PadTop + ki, iw = j * g.StrideWidth - g.PadLeft + kj;
                                    if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                    sum += w[((o * g.InChannels + c) * g.KernelHeight + ki) * g.KernelWidth + kj]
                                        * x[((n * g.InChannels + c) * g.InHeight + ih) * g.InWidth + iw];
                                }
                        y[((n * g.OutChannels + o) * oh + i) * ow + j] = sum;
                    }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy,
        Span<T> dx, Span<T> dw, Span<T> db, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth;
        if (!dx.IsEmpty) dx.Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        T d = dy[((n * g.OutChannels + o) * oh + i) * ow + j];
                        db[o] += d;
                        for (int c = 0; c < g.InChannels; c++)
                            for (int ki = 0; ki < g.KernelHeight; ki++)
                                for (int kj = 0; kj < g.KernelWidth; kj++)
                                {
                                    int ih = i * g.StrideHeight - g.PadTop + ki, iw = j * g.StrideWidth - g.PadLeft + kj;
                                    if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                    int wi = ((o * g.InChannels + c) * g.KernelHeight + ki) * g.KernelWidth + kj;
                                    int xi = ((n * g.InChannels + c) * g.InHeight + ih) * g.InWidth + iw;
                                    dw[wi] += d * x[xi];
                                    if (!dx.IsEmpty) dx[xi] += d * w[wi];
                                }
                    }
    }
}
