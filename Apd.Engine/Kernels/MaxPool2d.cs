// Max pooling over NCHW planes. Padded cells count as −∞ (TensorFlow SAME), so only real pixels win;
// ties go to the first pixel of the window in row-major order. Forward first reduces each window's rows
// element-wise along the input row (vectorised, remembering the winning row), then each window's columns.
// argMax (N, C, H_out, W_out) records the winner's index in its input plane (−1: window all padding);
// Backward overwrites dx with each dy added at its winner.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Kernels;

public static class MaxPool2d
{
    /// <summary>Scratch Forward needs: two input rows (column maxima and their rows).</summary>
    public static int ForwardScratchLength(in Pool2dGeometry g) => 2 * g.InWidth;

    /// <summary>y ← max over each window; argMax (may be empty, for inference) ← the winners.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> argMax, in Pool2dGeometry g, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.Validated();
        int oh = g.OutHeight, ow = g.OutWidth, inPlane = g.InHeight * g.InWidth, outPlane = oh * ow, width = g.InWidth;
        if (x.Length != g.Batch * g.InputImageSize || y.Length != g.Batch * g.OutputImageSize)
            throw new ArgumentException($"MaxPool2d buffers do not match {g}.");
        if (!argMax.IsEmpty && argMax.Length != y.Length) throw new ArgumentException("argMax must match y (or be empty).");
        if (scratch.Length < 2 * width) throw new ArgumentException($"MaxPool2d needs {2 * width} scratch elements.");
        bool record = !argMax.IsEmpty;
        Span<T> columnMax = scratch[..width];            // max over the window's rows, per input column
        Span<T> columnRow = scratch.Slice(width, width); // the (first) row holding it
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
                    if (record) argMax.Slice(p * outPlane + i * ow, ow).Fill(-1);
                    continue;
                }
                if (he - hs == 3)
                {
                    MaxOfThreeRows(xp.Slice(hs * width, 3 * width), width, T.CreateTruncating(hs), columnMax, columnRow);
                }
                else
                {
                    xp.Slice(hs * width, width).CopyTo(columnMax);
                    columnRow.Fill(T.CreateTruncating(hs));
                    for (int h = hs + 1; h < he; h++) KeepGreater(xp.Slice(h * width, width), T.CreateTruncating(h), columnMax, columnRow);
                }
                ref T maxRef = ref MemoryMarshal.GetReference(columnMax);
                ref T rowRef = ref MemoryMarshal.GetReference(columnRow);
                for (int j = 0; j < ow; j++)
                {
                    int w0 = j * g.StrideWidth - g.PadLeft;
                    int ws = Math.Max(w0, 0), we = Math.Min(w0 + g.KernelWidth, width);
                    if (ws >= we)
                    {
                        yRow[j] = T.NegativeInfinity;
                        if (record) argMax[p * outPlane + i * ow + j] = -1;
                        continue;
                    }
                    T best = Unsafe.Add(ref maxRef, ws), bestRow = Unsafe.Add(ref rowRef, ws);
                    int at = ws;
                    for (int w = ws + 1; w < we; w++)
                    {
                        T v = Unsafe.Add(ref maxRef, w), r = Unsafe.Add(ref rowRef, w);
                        // Later column wins only if larger, or equal but from an earlier row (row-major first).
                        bool take = (v > best) | ((v == best) & (r < bestRow));
                        best = take ? v : best;
                        bestRow = take ? r : bestRow;
                        at = take ? w : at;
                    }
                    yRow[j] = best;
                    if (record) argMax[p * outPlane + i * ow + j] = int.CreateTruncating(bestRow) * width + at;
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

    // The 3×3 windows' row pass in one sweep: max and (first) row of rows h0, h0+1, h0+2, column by column.
    private static void MaxOfThreeRows<T>(ReadOnlySpan<T> rows, int width, T h0, Span<T> max, Span<T> rowIndex)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> r0 = rows[..width], r1 = rows.Slice(width, width), r2 = rows.Slice(2 * width, width);
        T h1 = h0 + T.One, h2 = h1 + T.One;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var v0 = Vector512.Create(h0);
            var v1 = Vector512.Create(h1);
            var v2 = Vector512.Create(h2);
            for (; i <= width - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var a = Vector512.Create(r0.Slice(i, Vector512<T>.Count));
                var b = Vector512.Create(r1.Slice(i, Vector512<T>.Count));
                var c = Vector512.Create(r2.Slice(i, Vector512<T>.Count));
                var gtB = Vector512.GreaterThan(b, a);
                var m = Vector512.ConditionalSelect(gtB, b, a);
                var r = Vector512.ConditionalSelect(gtB, v1, v0);
                var gtC = Vector512.GreaterThan(c, m);
                Vector512.ConditionalSelect(gtC, c, m).CopyTo(max.Slice(i, Vector512<T>.Count));
                Vector512.ConditionalSelect(gtC, v2, r).CopyTo(rowIndex.Slice(i, Vector512<T>.Count));
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var v0 = Vector256.Create(h0);
            var v1 = Vector256.Create(h1);
            var v2 = Vector256.Create(h2);
            for (; i <= width - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var a = Vector256.Create(r0.Slice(i, Vector256<T>.Count));
                var b = Vector256.Create(r1.Slice(i, Vector256<T>.Count));
                var c = Vector256.Create(r2.Slice(i, Vector256<T>.Count));
                var gtB = Vector256.GreaterThan(b, a);
                var m = Vector256.ConditionalSelect(gtB, b, a);
                var r = Vector256.ConditionalSelect(gtB, v1, v0);
                var gtC = Vector256.GreaterThan(c, m);
                Vector256.ConditionalSelect(gtC, c, m).CopyTo(max.Slice(i, Vector256<T>.Count));
                Vector256.ConditionalSelect(gtC, v2, r).CopyTo(rowIndex.Slice(i, Vector256<T>.Count));
            }
        }
        for (; i < width; i++)
        {
            T m = r0[i], r = h0;
            if (r1[i] > m)
            {
                m = r1[i];
                r = h1;
            }
            if (r2[i] > m)
            {
                m = r2[i];
                r = h2;
            }
            max[i] = m;
            rowIndex[i] = r;
        }
    }

    // Where row > max (strictly, so the earlier row keeps ties): max ← row, rowIndex ← h.
    private static void KeepGreater<T>(ReadOnlySpan<T> row, T h, Span<T> max, Span<T> rowIndex)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0, n = row.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            var hv = Vector512.Create(h);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var v = Vector512.Create(row.Slice(i, Vector512<T>.Count));
                var m = Vector512.Create(max.Slice(i, Vector512<T>.Count));
                var gt = Vector512.GreaterThan(v, m);
                Vector512.ConditionalSelect(gt, v, m).CopyTo(max.Slice(i, Vector512<T>.Count));
                Vector512.ConditionalSelect(gt, hv, Vector512.Create(rowIndex.Slice(i, Vector512<T>.Count))).CopyTo(rowIndex.Slice(i, Vector512<T>.Count));
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var hv = Vector256.Create(h);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = Vector256.Create(row.Slice(i, Vector256<T>.Count));
                var m = Vector256.Create(max.Slice(i, Vector256<T>.Count));
                var gt = Vector256.GreaterThan(v, m);
                Vector256.ConditionalSelect(gt, v, m).CopyTo(max.Slice(i, Vector256<T>.Count));
                Vector256.ConditionalSelect(gt, hv, Vector256.Create(rowIndex.Slice(i, Vector256<T>.Count))).CopyTo(rowIndex.Slice(i, Vector256<T>.Count));
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var hv = Vector128.Create(h);
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                var v = Vector128.Create(row.Slice(i, Vector128<T>.Count));
                var m = Vector128.Create(max.Slice(i, Vector128<T>.Count));
                var gt = Vector128.GreaterThan(v, m);
                Vector128.ConditionalSelect(gt, v, m).CopyTo(max.Slice(i, Vector128<T>.Count));
                Vector128.ConditionalSelect(gt, hv, Vector128.Create(rowIndex.Slice(i, Vector128<T>.Count))).CopyTo(rowIndex.Slice(i, Vector128<T>.Count));
            }
        }
        for (; i < n; i++)
            if (row[i] > max[i])
            {
                max[i] = row[i];
                rowIndex[i] = h;
            }
    }
}
