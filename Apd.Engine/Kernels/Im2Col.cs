// Unfolds one NCHW image into the patch matrix of a convolution and folds it back.
// columns (C·KH·KW rows, H_out·W_out columns per image): row (c, ki, kj), column (oh, ow) holds
// x[c, oh·sh − pad_top + ki, ow·sw − pad_left + kj], or 0 where that falls into the padding.
// Row r of the image's block starts at columns[r·rowStride]; rowStride > H_out·W_out lets several
// images sit side by side in one matrix (image i at column offset i·H_out·W_out).
// Stride 1 with output rows as wide as input rows (SAME) unfolds each patch row as one shifted copy of the
// channel (LeNet conv2 at batch 1: 96 → 82 µs).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Kernels;

public static class Im2Col
{
    /// <summary>columns ← unfold(image) for one image of <paramref name="g"/>.</summary>
    public static void Unfold<T>(ReadOnlySpan<T> image, Span<T> columns, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Unfold(image, columns, g.OutHeight * g.OutWidth, g);

    /// <summary>columns[r·rowStride ..] ← row r of unfold(image).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold<T>(ReadOnlySpan<T> image, Span<T> columns, int rowStride, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth, plane = oh * ow;
        int row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            ReadOnlySpan<T> channel = image.Slice(c * g.InHeight * g.InWidth, g.InHeight * g.InWidth);
            for (int ki = 0; ki < g.KernelHeight; ki++)
                for (int kj = 0; kj < g.KernelWidth; kj++, row++)
                {
                    Span<T> dst = columns.Slice(row * rowStride, plane);
                    var (owStart, owEnd) = ValidColumns(kj, g.PadLeft, g.StrideWidth, g.InWidth, ow);
                    if (g.StrideWidth == 1 && g.StrideHeight == 1 && ow == g.InWidth)
                    {
                        UnfoldShifted(channel, dst, ki - g.PadTop, kj - g.PadLeft, owStart, owEnd, g);
                        continue;
                    }
                    for (int r = 0; r < oh; r++)
                    {
                        Span<T> dstRow = dst.Slice(r * ow, ow);
                        int ih = r * g.StrideHeight - g.PadTop + ki;
                        if ((uint)ih >= (uint)g.InHeight || owStart >= owEnd)
                        {
                            dstRow.Clear();
                            continue;
                        }
                        dstRow[..owStart].Clear();
                        dstRow[owEnd..].Clear();
                        ReadOnlySpan<T> src = channel.Slice(ih * g.InWidth, g.InWidth);
                        int iw0 = owStart * g.StrideWidth - g.PadLeft + kj;
                        if (g.StrideWidth == 1)
                        {
                            CopyShort(src.Slice(iw0, owEnd - owStart), dstRow[owStart..owEnd]);
                        }
                        else
                        {
                            for (int q = owStart, iw = iw0; q < owEnd; q++, iw += g.StrideWidth) dstRow[q] = src[iw];
                        }
                    }
                }
        }
    }

    // Stride 1 with output rows as wide as input rows: the (ki, kj) row of the patch matrix is the channel shifted
    // by (rowShift, columnShift) flattened, so the valid output rows are one copy; the columns that wrapped
    // around into the neighbouring input row (outside [owStart, owEnd)) are then zeroed.
    private static void UnfoldShifted<T>(ReadOnlySpan<T> channel, Span<T> dst, int rowShift, int columnShift, int owStart, int owEnd, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth;
        int r0 = Math.Clamp(-rowShift, 0, oh), r1 = Math.Clamp(g.InHeight - rowShift, r0, oh);
        dst[..(r0 * ow)].Clear();
        dst[(r1 * ow)..].Clear();
        if (r0 == r1) return;
        int source = (r0 + rowShift) * g.InWidth + columnShift, length = (r1 - r0) * ow;
        int first = Math.Max(0, -source), last = Math.Min(length, channel.Length - source);
        if (first < last) channel[(source + first)..(source + last)].CopyTo(dst.Slice(r0 * ow + first, last - first));
        for (int r = r0; r < r1; r++)
        {
            Span<T> dstRow = dst.Slice(r * ow, ow);
            dstRow[..owStart].Clear();
            dstRow[owEnd..].Clear();
        }
    }

    /// <summary>image += fold(columns): every patch entry is added back to the pixel it came from.</summary>
    public static void FoldAdd<T>(ReadOnlySpan<T> columns, Span<T> image, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => FoldAdd(columns, image, g.OutHeight * g.OutWidth, g);

    /// <summary>image += fold(the block whose row r starts at columns[r·rowStride]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FoldAdd<T>(ReadOnlySpan<T> columns, Span<T> image, int rowStride, in Conv2dGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth, plane = oh * ow;
        int row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            Span<T> channel = image.Slice(c * g.InHeight * g.InWidth, g.InHeight * g.InWidth);
            for (int ki = 0; ki < g.KernelHeight; ki++)
                for (int kj = 0; kj < g.KernelWidth; kj++, row++)
                {
                    ReadOnlySpan<T> src = columns.Slice(row * rowStride, plane);
                    var (owStart, owEnd) = ValidColumns(kj, g.PadLeft, g.StrideWidth, g.InWidth, ow);
                    if (owStart >= owEnd) continue;
                    for (int r = 0; r < oh; r++)
                    {
                        int ih = r * g.StrideHeight - g.PadTop + ki;
                        if ((uint)ih >= (uint)g.InHeight) continue;
                        ReadOnlySpan<T> srcRow = src.Slice(r * ow, ow);
                        Span<T> dst = channel.Slice(ih * g.InWidth, g.InWidth);
                        int iw0 = owStart * g.StrideWidth - g.PadLeft + kj;
                        if (g.StrideWidth == 1)
                        {
                            AddShort(srcRow[owStart..owEnd], dst.Slice(iw0, owEnd - owStart));
                        }
                        else
                        {
                            for (int q = owStart, iw = iw0; q < owEnd; q++, iw += g.StrideWidth) dst[iw] += srcRow[q];
                        }
                    }
                }
        }
    }

    // Rows here are one output row long (tens of values): inline vector loops beat a memmove/TensorPrimitives call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort<T>(ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0, n = source.Length;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.Create(source.Slice(i, Vector256<T>.Count)).CopyTo(destination.Slice(i, Vector256<T>.Count));
        for (; i < n; i++) destination[i] = source[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddShort<T>(ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0, n = source.Length;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                (Vector256.Create(destination.Slice(i, Vector256<T>.Count)) + Vector256.Create(source.Slice(i, Vector256<T>.Count)))
                    .CopyTo(destination.Slice(i, Vector256<T>.Count));
        for (; i < n; i++) destination[i] += source[i];
    }

    // Output columns [start, end) whose input column ow·stride − pad + kj lies inside 0..width−1.
    private static (int Start, int End) ValidColumns(int kj, int pad, int stride, int width, int outWidth)
    {
        int offset = kj - pad;
        int start = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int end = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
        return (Math.Min(start, outWidth), Math.Clamp(end, 0, outWidth));
    }
}
