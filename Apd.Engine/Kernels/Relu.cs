// Rectified linear unit, element-wise on any layout: y = max(x, 0); dx = dy where y > 0, else 0.
// In place is allowed (y may be x, dx may be dy).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Kernels;

public static class Relu
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length != x.Length) throw new ArgumentException("ReLU: x and y must have the same length.");
        TensorPrimitives.Max(x, T.Zero, y);
    }

    /// <summary>dx = dy ⊙ [y &gt; 0] (y is the forward output; [x &gt; 0] is the same mask).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dy.Length != y.Length || dx.Length != y.Length) throw new ArgumentException("ReLU: y, dy and dx must have the same length.");
        int i = 0;
        if (Vector512.IsHardwareAccelerated && y.Length >= Vector512<T>.Count)
        {
            for (; i <= y.Length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var mask = Vector512.GreaterThan(Vector512.Create(y.Slice(i, Vector512<T>.Count)), Vector512<T>.Zero);
                (mask & Vector512.Create(dy.Slice(i, Vector512<T>.Count))).CopyTo(dx.Slice(i, Vector512<T>.Count));
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var mask = Vector256.GreaterThan(Vector256.Create(y.Slice(i, Vector256<T>.Count)), Vector256<T>.Zero);
                (mask & Vector256.Create(dy.Slice(i, Vector256<T>.Count))).CopyTo(dx.Slice(i, Vector256<T>.Count));
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                var mask = Vector128.GreaterThan(Vector128.Create(y.Slice(i, Vector128<T>.Count)), Vector128<T>.Zero);
                (mask & Vector128.Create(dy.Slice(i, Vector128<T>.Count))).CopyTo(dx.Slice(i, Vector128<T>.Count));
            }
        }
        for (; i < y.Length; i++) dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
    }
}
