// 2-D convolution (cross-correlation, as in every framework) by im2col + GEMM over groups of images.
// x (N, C, H, W), w (O, C, KH, KW) = (O, C·KH·KW) row-major, b (O), y (N, O, H_out, W_out).
// A group of G images is unfolded side by side into columns (C·KH·KW, G·P), P = H_out·W_out, so each
// GEMM is (O × C·KH·KW) · (C·KH·KW × G·P); G is as large as the workspace allows (WorkspaceLength).
// Backward ACCUMULATES dw += dy·columnsᵀ and db += Σ dy; it overwrites dx (skipped when dx is empty).
using System.Numerics;
using System.Numerics.Tensors;
using Apd.Engine.Blas;

namespace Apd.Engine.Kernels;

public static class Conv2d
{
    /// <summary>Workspace for groups of <paramref name="imagesPerGroup"/> images: (C·KH·KW + O)·P per image.</summary>
    public static int WorkspaceLength(in Conv2dGeometry g, int imagesPerGroup = 1)
        => checked((g.PatchSize + g.OutChannels) * g.OutHeight * g.OutWidth * Math.Max(imagesPerGroup, 1));

    /// <summary>Images per group so that the patch matrix holds about <paramref name="elements"/> values (at least 1).</summary>
    public static int ImagesPerGroup(in Conv2dGeometry g, int elements)
        => Math.Max(1, elements / Math.Max(1, g.PatchSize * g.OutHeight * g.OutWidth));

    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y,
        in Conv2dGeometry g, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, w.Length, b.Length, y.Length, workspace.Length, g);
        int plane = g.OutHeight * g.OutWidth, k = g.PatchSize, o = g.OutChannels;
        int group = Math.Min(g.Batch, workspace.Length / WorkspaceLength(g));
        for (int n0 = 0; n0 < g.Batch; n0 += group)
        {
            int count = Math.Min(group, g.Batch - n0), width = count * plane;
            Span<T> columns = workspace[..(k * width)];      // (C·KH·KW, G·P)
            Span<T> product = workspace.Slice(k * width, o * width); // (O, G·P)
            for (int i = 0; i < count; i++)
                Im2Col.Unfold(x.Slice((n0 + i) * g.InputImageSize, g.InputImageSize), columns[(i * plane)..], width, g);
            if (count == 1)
            {
                // One image: its (O, P) output is the GEMM's C itself, started from the bias.
                Span<T> yn = y.Slice(n0 * g.OutputImageSize, g.OutputImageSize);
                for (int c = 0; c < o; c++) yn.Slice(c * plane, plane).Fill(b[c]);
                BlasGemm.Multiply(Transpose.No, Transpose.No, o, plane, k, T.One, w, k, columns, plane, T.One, yn, plane);
                continue;
            }
            BlasGemm.Multiply(Transpose.No, Transpose.No, o, width, k, T.One, w, k, columns, width, T.Zero, product, width);
            for (int i = 0; i < count; i++)
            {
                Span<T> yn = y.Slice((n0 + i) * g.OutputImageSize, g.OutputImageSize);
                for (int c = 0; c < o; c++)
                    TensorPrimitives.Add(product.Slice(c * width + i * plane, plane), b[c], yn.Slice(c * plane, plane));
            }
        }
    }

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy,
        Span<T> dx, Span<T> dw, Span<T> db, in Conv2dGeometry g, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, w.Length, db.Length, dy.Length, workspace.Length, g);
        if (dw.Length != w.Length) throw new ArgumentException("dw must match w.");
        if (!dx.IsEmpty && dx.Length != x.Length) throw new ArgumentException("dx must match x (or be empty).");
        int plane = g.OutHeight * g.OutWidth, k = g.PatchSize, o = g.OutChannels;
        int group = Math.Min(g.Batch, workspace.Length / WorkspaceLength(g));
        for (int n0 = 0; n0 < g.Batch; n0 += group)
        {
            int count = Math.Min(group, g.Batch - n0), width = count * plane;
            Span<T> columns = workspace[..(k * width)];                  // (C·KH·KW, G·P)
            Span<T> gathered = workspace.Slice(k * width, o * width);     // (O, G·P): dy of the group, channel-major
            // One image's dy already is (O, P): use it in place.
            ReadOnlySpan<T> gradient = count == 1 ? dy.Slice(n0 * g.OutputImageSize, g.OutputImageSize) : gathered;
            for (int i = 0; i < count; i++)
            {
                ReadOnlySpan<T> dyn = dy.Slice((n0 + i) * g.OutputImageSize, g.OutputImageSize);
                for (int c = 0; c < o; c++)
                {
                    ReadOnlySpan<T> d = dyn.Slice(c * plane, plane);
                    if (count > 1) d.CopyTo(gathered.Slice(c * width + i * plane, plane));
                    db[c] += TensorPrimitives.Sum(d);
                }
                Im2Col.Unfold(x.Slice((n0 + i) * g.InputImageSize, g.InputImageSize), columns[(i * plane)..], width, g);
            }
            BlasGemm.Multiply(Transpose.No, Transpose.Yes, o, k, width, T.One, gradient, width, columns, width, T.One, dw, k);
            if (dx.IsEmpty) continue;
            BlasGemm.Multiply(Transpose.Yes, Transpose.No, k, width, o, T.One, w, k, gradient, width, T.Zero, columns, width);
            for (int i = 0; i < count; i++)
            {
                Span<T> dxn = dx.Slice((n0 + i) * g.InputImageSize, g.InputImageSize);
                dxn.Clear();
                Im2Col.FoldAdd<T>(columns[(i * plane)..], dxn, width, g);
            }
        }
    }

    private static void Check(int x, int w, int b, int y, int workspace, in Conv2dGeometry g)
    {
        g.Validated();
        if (x != g.Batch * g.InputImageSize || w != g.WeightSize || b != g.OutChannels || y != g.Batch * g.OutputImageSize)
            throw new ArgumentException($"Conv2d buffers do not match {g}: x {x}, w {w}, b {b}, y {y}.");
        if (workspace < WorkspaceLength(g)) throw new ArgumentException($"Conv2d needs at least {WorkspaceLength(g)} workspace elements, got {workspace}.");
    }
}
