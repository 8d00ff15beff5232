// Local response normalisation across channels (TensorFlow): s = bias + alpha·Σ_{|c'−c|≤r} x_{c'}², y = x·s^−β,
// on NCHW images, vectorised over each H·W plane. scale (N, C, H, W) keeps s for Backward, which overwrites
// dx = dy·s^−β − 2αβ·x·Σ_{|c'−c|≤r} dy_{c'}·y_{c'}/s_{c'}.
// Forward with β = ¾ (the authors' value) sums the window in registers and writes y in one pass per vector
// (LeNet LRNs at batch 1: 10.5 + 9.7 → 6.0 + 5.0 µs).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Kernels;

public static class Lrn
{
    /// <summary>Scratch Backward needs: one image plus one plane.</summary>
    public static int BackwardScratchLength(in LrnGeometry g) => g.ImageSize + g.PlaneSize;

    /// <summary>y ← LRN(x); scale ← s when not empty (training), else s is built in y (inference).</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> scale, in LrnGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validated();
        int total = g.Batch * g.ImageSize;
        if (x.Length != total || y.Length != total) throw new ArgumentException($"LRN buffers do not match {g}.");
        if (!scale.IsEmpty && scale.Length != total) throw new ArgumentException("LRN scale must match x (or be empty).");
        int plane = g.PlaneSize;
        T alpha = T.CreateChecked(g.Alpha), bias = T.CreateChecked(g.Bias);
        if (g.Beta == 0.75)
        {
            for (int n = 0; n < g.Batch; n++)
                for (int c = 0; c < g.Channels; c++)
                {
                    int at = (n * g.Channels + c) * plane;
                    ForwardThreeQuarters(x.Slice(n * g.ImageSize, g.ImageSize), c, g, alpha, bias,
                        y.Slice(at, plane), scale.IsEmpty ? Span<T>.Empty : scale.Slice(at, plane));
                }
            return;
        }
        for (int n = 0; n < g.Batch; n++)
            for (int c = 0; c < g.Channels; c++)
            {
                int at = (n * g.Channels + c) * plane;
                Span<T> s = scale.IsEmpty ? y.Slice(at, plane) : scale.Slice(at, plane);
                SumOfSquaresAround(x.Slice(n * g.ImageSize, g.ImageSize), c, g, s);
                TensorPrimitives.Multiply(s, alpha, s);
                TensorPrimitives.Add(s, bias, s);
                Span<T> yc = y.Slice(at, plane);
                PowNegativeBeta(s, g.Beta, yc);
                TensorPrimitives.Multiply(yc, x.Slice(at, plane), yc);
            }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> scale, ReadOnlySpan<T> dy,
        Span<T> dx, in LrnGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validated();
        int total = g.Batch * g.ImageSize;
        if (x.Length != total || y.Length != total || scale.Length != total || dy.Length != total || dx.Length != total)
            throw new ArgumentException($"LRN backward buffers do not match {g}.");
        if (scratch.Length < BackwardScratchLength(g)) throw new ArgumentException($"LRN backward needs {BackwardScratchLength(g)} scratch elements.");
        int plane = g.PlaneSize, image = g.ImageSize;
        T factor = T.CreateChecked(-2.0 * g.Alpha * g.Beta);
        Span<T> t = scratch[..image];                  // (C, H, W): dy·y/s
        Span<T> power = scratch.Slice(image, plane);   // (H, W): s^−β of one channel
        for (int n = 0; n < g.Batch; n++)
        {
            int at = n * image;
            TensorPrimitives.Multiply(dy.Slice(at, image), y.Slice(at, image), t);
            TensorPrimitives.Divide(t, scale.Slice(at, image), t);
            for (int c = 0; c < g.Channels; c++)
            {
                int ac = at + c * plane;
                Span<T> dxc = dx.Slice(ac, plane);
                WindowSum(t, c, g, dxc);
                TensorPrimitives.Multiply(dxc, x.Slice(ac, plane), dxc);
                PowNegativeBeta(scale.Slice(ac, plane), g.Beta, power);
                TensorPrimitives.Multiply(power, dy.Slice(ac, plane), power);
                TensorPrimitives.MultiplyAdd(dxc, factor, power, dxc);
            }
        }
    }

    // β = ¾ in one pass per vector: s = bias + α·Σ x_{c'}² summed in registers, y_c = x_c / √(s·√s); scale ← s if not empty.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardThreeQuarters<T>(ReadOnlySpan<T> image, int c, in LrnGeometry g, T alpha, T bias, Span<T> y, Span<T> scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = g.PlaneSize, i = 0;
        int lo = Math.Max(c - g.DepthRadius, 0), hi = Math.Min(c + g.DepthRadius, g.Channels - 1);
        bool keep = !scale.IsEmpty;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(alpha);
            var vb = Vector512.Create(bias);
            for (; i <= plane - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var sum = Vector512<T>.Zero;
                for (int k = lo; k <= hi; k++)
                {
                    var v = Vector512.Create(image.Slice(k * plane + i, Vector512<T>.Count));
                    sum += v * v;
                }
                var s = sum * va + vb;
                if (keep) s.CopyTo(scale.Slice(i, Vector512<T>.Count));
                (Vector512.Create(image.Slice(c * plane + i, Vector512<T>.Count)) / Vector512.Sqrt(s * Vector512.Sqrt(s))).CopyTo(y.Slice(i, Vector512<T>.Count));
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            var vb = Vector256.Create(bias);
            for (; i <= plane - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var sum = Vector256<T>.Zero;
                for (int k = lo; k <= hi; k++)
                {
                    var v = Vector256.Create(image.Slice(k * plane + i, Vector256<T>.Count));
                    sum += v * v;
                }
                var s = sum * va + vb;
                if (keep) s.CopyTo(scale.Slice(i, Vector256<T>.Count));
                (Vector256.Create(image.Slice(c * plane + i, Vector256<T>.Count)) / Vector256.Sqrt(s * Vector256.Sqrt(s))).CopyTo(y.Slice(i, Vector256<T>.Count));
            }
        }
        for (; i < plane; i++)
        {
            T sum = T.Zero;
            for (int k = lo; k <= hi; k++) sum += image[k * plane + i] * image[k * plane + i];
            T s = sum * alpha + bias;
            if (keep) scale[i] = s;
            y[i] = image[c * plane + i] / T.Sqrt(s * T.Sqrt(s));
        }
    }

    // s ← Σ_{|c'−c|≤r} x_{c'}² over one image's planes.
    private static void SumOfSquaresAround<T>(ReadOnlySpan<T> image, int c, in LrnGeometry g, Span<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = g.PlaneSize;
        int lo = Math.Max(c - g.DepthRadius, 0), hi = Math.Min(c + g.DepthRadius, g.Channels - 1);
        ReadOnlySpan<T> first = image.Slice(lo * plane, plane);
        TensorPrimitives.Multiply(first, first, s);
        for (int k = lo + 1; k <= hi; k++)
        {
            ReadOnlySpan<T> xk = image.Slice(k * plane, plane);
            TensorPrimitives.FusedMultiplyAdd(xk, xk, s, s);
        }
    }

    // sum ← Σ_{|c'−c|≤r} values_{c'} over one image's planes.
    private static void WindowSum<T>(ReadOnlySpan<T> values, int c, in LrnGeometry g, Span<T> sum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = g.PlaneSize;
        int lo = Math.Max(c - g.DepthRadius, 0), hi = Math.Min(c + g.DepthRadius, g.Channels - 1);
        values.Slice(lo * plane, plane).CopyTo(sum);
        for (int k = lo + 1; k <= hi; k++) TensorPrimitives.Add(sum, values.Slice(k * plane, plane), sum);
    }

    // destination ← s^−β (destination may be s); β = 0.75 (the authors' value) uses two square roots, not pow.
    private static void PowNegativeBeta<T>(ReadOnlySpan<T> s, double beta, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (beta == 0.75)
        {
            PowMinusThreeQuarters(s, destination);
        }
        else if (beta == 0.5)
        {
            TensorPrimitives.ReciprocalSqrt(s, destination);
        }
        else
        {
            TensorPrimitives.Pow(s, T.CreateChecked(-beta), destination);
        }
    }

    // d = 1 / √(s·√s) = s^−¾, each vector read before it is written, so d may alias s.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PowMinusThreeQuarters<T>(ReadOnlySpan<T> s, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= s.Length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var v = Vector512.Create(s.Slice(i, Vector512<T>.Count));
                (Vector512<T>.One / Vector512.Sqrt(v * Vector512.Sqrt(v))).CopyTo(d.Slice(i, Vector512<T>.Count));
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= s.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = Vector256.Create(s.Slice(i, Vector256<T>.Count));
                (Vector256<T>.One / Vector256.Sqrt(v * Vector256.Sqrt(v))).CopyTo(d.Slice(i, Vector256<T>.Count));
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= s.Length - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                var v = Vector128.Create(s.Slice(i, Vector128<T>.Count));
                (Vector128<T>.One / Vector128.Sqrt(v * Vector128.Sqrt(v))).CopyTo(d.Slice(i, Vector128<T>.Count));
            }
        }
        for (; i < s.Length; i++) d[i] = T.One / T.Sqrt(s[i] * T.Sqrt(s[i]));
    }
}
