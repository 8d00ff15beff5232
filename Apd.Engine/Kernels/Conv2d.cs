// 2-D convolution (cross-correlation, as in every framework) by im2col + GEMM, one image at a time.
// x (N, C, H, W), w (O, C, KH, KW) = (O, C·KH·KW) row-major, b (O), y (N, O, H_out, W_out).
// Backward ACCUMULATES dw += dy·columnsᵀ and db += Σ dy; it overwrites dx (skipped when dx is empty).
// columns is scratch of ColumnsLength(g) elements.
using System.Numerics;
using System.Numerics.Tensors;
using Apd.Engine.Blas;

namespace Apd.Engine.Kernels;

public static class Conv2d
{
    /// <summary>Scratch for one image's patch matrix: C·KH·KW · H_out·W_out.</summary>
    public static int ColumnsLength(in Conv2dGeometry g) => g.PatchSize * g.OutHeight * g.OutWidth;

    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y,
        in Conv2dGeometry g, Span<T> columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, w.Length, b.Length, y.Length, columns.Length, g);
        int plane = g.OutHeight * g.OutWidth, k = g.PatchSize;
        for (int n = 0; n < g.Batch; n++)
        {
            Span<T> yn = y.Slice(n * g.OutputImageSize, g.OutputImageSize); // (O, H_out·W_out)
            for (int o = 0; o < g.OutChannels; o++) yn.Slice(o * plane, plane).Fill(b[o]);
            Im2Col.Unfold(x.Slice(n * g.InputImageSize, g.InputImageSize), columns, g);
            BlasGemm.Multiply(Transpose.No, Transpose.No, g.OutChannels, plane, k, T.One, w, k, columns, plane, T.One, yn, plane);
        }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy,
        Span<T> dx, Span<T> dw, Span<T> db, in Conv2dGeometry g, Span<T> columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, w.Length, db.Length, dy.Length, columns.Length, g);
        if (dw.Length != w.Length) throw new ArgumentException("dw must match w.");
        if (!dx.IsEmpty && dx.Length != x.Length) throw new ArgumentException("dx must match x (or be empty).");
        int plane = g.OutHeight * g.OutWidth, k = g.PatchSize;
        for (int n = 0; n < g.Batch; n++)
        {
            ReadOnlySpan<T> dyn = dy.Slice(n * g.OutputImageSize, g.OutputImageSize);
            for (int o = 0; o < g.OutChannels; o++) db[o] += TensorPrimitives.Sum(dyn.Slice(o * plane, plane));
            Im2Col.Unfold(x.Slice(n * g.InputImageSize, g.InputImageSize), columns, g);
            BlasGemm.Multiply(Transpose.No, Transpose.Yes, g.OutChannels, k, plane, T.One, dyn, plane, columns, plane, T.One, dw, k);
            if (dx.IsEmpty) continue;
            BlasGemm.Multiply(Transpose.Yes, Transpose.No, k, plane, g.OutChannels, T.One, w, k, dyn, plane, T.Zero, columns, plane);
            Span<T> dxn = dx.Slice(n * g.InputImageSize, g.InputImageSize);
            dxn.Clear();
            Im2Col.FoldAdd<T>(columns, dxn, g);
        }
    }

    private static void Check(int x, int w, int b, int y, int columns, in Conv2dGeometry g)
    {
        g.Validated();
        if (x != g.Batch * g.InputImageSize || w != g.WeightSize || b != g.OutChannels || y != g.Batch * g.OutputImageSize)
            throw new ArgumentException($"Conv2d buffers do not match {g}: x {x}, w {w}, b {b}, y {y}.");
        if (columns < ColumnsLength(g)) throw new ArgumentException($"Conv2d needs {ColumnsLength(g)} scratch elements, got {columns}.");
    }
}
