// Naive twin of Dense: y[n,o] = Σ_i x[n,i]·W[i,o] + b[o] with plain loops; backward accumulates dW, db
// and overwrites dx (skipped when empty).
using System.Numerics;

namespace Apd.Engine.Kernels.Reference;

public static class DenseReference
{
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, in DenseGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.Out; o++)
            {
                T sum = b[o];
                for (int i = 0; i < g.In; i++) sum += x[n * g.In + i] * w[i * g.Out + o];
                y[n * g.Out + o] = sum;
            }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy,
        Span<T> dx, Span<T> dw, Span<T> db, in DenseGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.Out; o++)
            {
                T d = dy[n * g.Out + o];
                db[o] += d;
                for (int i = 0; i < g.In; i++) dw[i * g.Out + o] += x[n * g.In + i] * d;
            }
        if (dx.IsEmpty) return;
        for (int n = 0; n < g.Batch; n++)
            for (int i = 0; i < g.In; i++)
            {
                T sum = T.Zero;
                for (int o = 0; o < g.Out; o++) sum += dy[n * g.Out + o] * w[i * g.Out + o];
                dx[n * g.In + i] = sum;
            }
    }
}
