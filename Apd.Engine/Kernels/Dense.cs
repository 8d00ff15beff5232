// Fully connected layer on row-major matrices: y (N, Out) = x (N, In) · W (In, Out) + b (Out).
// Backward ACCUMULATES dW += xᵀ·dy and db += Σ_n dy; it overwrites dx = dy·Wᵀ (skipped when dx is empty).
// Up to SmallBatch rows, Forward streams W once as y_n += x[n,i]·W[i,:] (a GEMV; packing W for a GEMM would
// cost as much as the product), skipping rows of W whose inputs are all exactly zero (as ReLU leaves many).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using Apd.Engine.Blas;

namespace Apd.Engine.Kernels;

public static class Dense
{
    /// <summary>Batches up to this size take the streaming GEMV path in Forward.</summary>
    public const int SmallBatch = 4;

    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, in DenseGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, w.Length, b.Length, y.Length, g);
        if (g.Batch <= SmallBatch)
        {
            ForwardColumns(x, w, b, y, g, 0, g.Out);
            return;
        }
        for (int n = 0; n < g.Batch; n++) b.CopyTo(y.Slice(n * g.Out, g.Out));
        BlasGemm.Multiply(Transpose.No, Transpose.No, g.Batch, g.Out, g.In, T.One, x, g.In, w, g.Out, T.One, y, g.Out);
    }

    /// <summary>Output columns [start, start + count) of y = x·W + b by streaming the rows of W (no GEMM);
    /// the rest of y is left untouched, so callers may split the columns across threads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardColumns<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y,
        in DenseGeometry g, int start, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, w.Length, b.Length, y.Length, g);
        if ((uint)start > (uint)g.Out || (uint)count > (uint)(g.Out - start)) throw new ArgumentOutOfRangeException(nameof(count), "column range outside the output");
        for (int n = 0; n < g.Batch; n++) b.Slice(start, count).CopyTo(y.Slice(n * g.Out + start, count));
        for (int i = 0; i < g.In; i++)
        {
            ReadOnlySpan<T> row = w.Slice(i * g.Out + start, count);
            for (int n = 0; n < g.Batch; n++)
            {
                T xi = x[n * g.In + i];
                if (xi == T.Zero) continue;
                Span<T> yn = y.Slice(n * g.Out + start, count);
                TensorPrimitives.MultiplyAdd(row, xi, yn, yn);
            }
        }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy,
        Span<T> dx, Span<T> dw, Span<T> db, in DenseGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, w.Length, db.Length, dy.Length, g);
        if (dw.Length != w.Length) throw new ArgumentException("dW must match W.");
        if (!dx.IsEmpty && dx.Length != x.Length) throw new ArgumentException("dx must match x (or be empty).");
        if (g.Batch == 0) return;
        BlasGemm.Multiply(Transpose.Yes, Transpose.No, g.In, g.Out, g.Batch, T.One, x, g.In, dy, g.Out, T.One, dw, g.Out);
        for (int n = 0; n < g.Batch; n++) TensorPrimitives.Add(db, dy.Slice(n * g.Out, g.Out), db);
        if (!dx.IsEmpty)
            BlasGemm.Multiply(Transpose.No, Transpose.Yes, g.Batch, g.In, g.Out, T.One, dy, g.Out, w, g.Out, T.Zero, dx, g.In);
    }

    private static void CheckLengths(int x, int w, int b, int y, in DenseGeometry g)
    {
        g.Validated();
        if (x != g.Batch * g.In || w != g.In * g.Out || b != g.Out || y != g.Batch * g.Out)
            throw new ArgumentException($"Dense buffers do not match {g}: x {x}, w {w}, b {b}, y {y}.");
    }
}
