// A set of labelled images: NCHW float pixels, row-major, in one contiguous array, and one label
// per image in 0..Classes-1. The one type every Apd.Data reader and task builder produces and the
// trainer, evaluation and TaskData consume; arrays are shared, not copied, on construction.
namespace Apd.Engine.Tensors;

public sealed class LabeledSet
{
    /// <summary>
    /// Wraps <paramref name="images"/> (Count·channels·height·width values, NCHW) and
    /// <paramref name="labels"/> (Count values, each in 0..classes-1) without copying them.
    /// </summary>
    public LabeledSet(float[] images, int[] labels, int classes, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        long sample = (long)channels * height * width;
        if (images.LongLength != sample * labels.Length)
            throw new ArgumentException($"{labels.Length} labels need {sample * labels.Length} image values ({channels}×{height}×{width} each), got {images.LongLength}.", nameof(images));
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"label {labels[i]} of item {i} is outside 0..{classes - 1}", nameof(labels));
        Images = images;
        Labels = labels;
        Classes = classes;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>All pixels, (Count, Channels, Height, Width), row-major.</summary>
    public float[] Images { get; }

    /// <summary>One label per image, each in 0..Classes-1 (checked on construction).</summary>
    public int[] Labels { get; }

    public int Classes { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Count => Labels.Length;

    /// <summary>Values per image: Channels·Height·Width.</summary>
    public int SampleLength => Channels * Height * Width;

    /// <summary>The pixels of image <paramref name="index"/>, (Channels, Height, Width).</summary>
    public ReadOnlySpan<float> Sample(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is outside 0..{Count - 1}");
        return Images.AsSpan(index * SampleLength, SampleLength);
    }

    /// <summary>A copy holding the listed items in the listed order (an index may repeat).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..Count-1.</exception>
    public LabeledSet Select(ReadOnlySpan<int> indices)
    {
        int n = SampleLength;
        var images = new float[(long)indices.Length * n];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int src = indices[i];
            if ((uint)src >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {src} at position {i} is outside 0..{Count - 1}");
            Images.AsSpan(src * n, n).CopyTo(images.AsSpan(i * n, n));
            labels[i] = Labels[src];
        }
        return new LabeledSet(images, labels, classes: Classes, channels: Channels, height: Height, width: Width);
    }

    /// <summary>A copy of the first <paramref name="count"/> items.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or greater than
    /// <see cref="Count"/>: asking for more items than the set holds is an error, never a silent clamp
    /// (pass Math.Min(count, set.Count) to take "up to" count items).</exception>
    public LabeledSet Take(int count)
    {
        if (count < 0 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"cannot take {count} of {Count} items");
        return new LabeledSet(Images.AsSpan(0, count * SampleLength).ToArray(), Labels.AsSpan(0, count).ToArray(),
            classes: Classes, channels: Channels, height: Height, width: Width);
    }

    public override string ToString() => $"{Count} images {Channels}x{Height}x{Width}, {Classes} classes";
}
