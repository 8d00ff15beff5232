// Naive twin of Lrn: the defining sums element by element, s^−β with Pow; backward overwrites dx with
// dx_c = dy_c·s_c^−β − 2αβ·x_c·Σ_{|c'−c|≤r} dy_{c'}·x_{c'}·s_{c'}^{−β−1}.
using System.Numerics;

namespace Apd.Engine.Kernels.Reference;

public static class LrnReference
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, in LrnGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = g.PlaneSize;
        for (int n = 0; n < g.Batch; n++)
            for (int c = 0; c < g.Channels; c++)
                for (int p = 0; p < plane; p++)
                {
                    int i = (n * g.Channels + c) * plane + p;
                    y[i] = x[i] * T.Pow(Scale(x, n, c, p, g), T.CreateChecked(-g.Beta));
                }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, in LrnGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = g.PlaneSize;
        T beta = T.CreateChecked(g.Beta), twoAlphaBeta = T.CreateChecked(2.0 * g.Alpha * g.Beta);
        for (int n = 0; n < g.Batch; n++)
            for (int c = 0; c < g.Channels; c++)
                for (int p = 0; p < plane; p++)
                {
                    int i = (n * g.Channels + c) * plane + p;
                    T sum = T.Zero;
                    for (int k = Math.Max(c - g.DepthRadius, 0); k <= Math.Min(c + g.DepthRadius, g.Channels - 1); k++)
                    {
                        int j = (n * g.Channels + k) * plane + p;
                        sum += dy[j] * x[j] * T.Pow(Scale(x, n, k, p, g), -beta - T.One);
                    }
                    dx[i] = dy[i] * T.Pow(Scale(x, n, c, p, g), -beta) - twoAlphaBeta * x[i] * sum;
                }
    }

    private static T Scale<T>(ReadOnlySpan<T> x, int n, int c, int p, in LrnGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int k = Math.Max(c - g.DepthRadius, 0); k <= Math.Min(c + g.DepthRadius, g.Channels - 1); k++)
        {
            T v = x[(n * g.Channels + k) * g.PlaneSize + p];
            sum += v * v;
        }
        return T.CreateChecked(g.Bias) + T.CreateChecked(g.Alpha) * sum;
    }
}
