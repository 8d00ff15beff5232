// A set of images with integer labels: NCHW float pixels, row-major, one contiguous array,
// labels 0..Classes-1. The unit every reader produces and every task builder consumes.
namespace Apd.Data;

public sealed class LabeledImages
{
    public LabeledImages(float[] images, int[] labels, int channels, int height, int width, int classes)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"image shape must be positive, got {channels}x{height}x{width}");
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), $"classes must be positive, got {classes}");
        long sampleSize = (long)channels * height * width;
        if (images.LongLength != labels.LongLength * sampleSize)
            throw new ArgumentException($"{images.Length} pixel values do not hold {labels.Length} images of {channels}x{height}x{width}", nameof(images));
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"label {labels[i]} of item {i} is outside 0..{classes - 1}", nameof(labels));
        Images = images;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        Classes = classes;
    }

    /// <summary>All pixels, (Count, Channels, Height, Width).</summary>
    public float[] Images { get; }

    /// <summary>One label per image, each in 0..Classes-1.</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Classes { get; }
    public int SampleSize => Channels * Height * Width;

    /// <summary>The pixels of image <paramref name="index"/>, (Channels, Height, Width).</summary>
    public ReadOnlySpan<float> Image(int index) => Images.AsSpan(checked(index * SampleSize), SampleSize);

    /// <summary>A copy holding the listed items in the listed order.</summary>
    public LabeledImages Select(ReadOnlySpan<int> indices)
    {
        int n = SampleSize;
        var images = new float[(long)indices.Length * n];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int src = indices[i];
            if ((uint)src >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {src} is outside 0..{Count - 1}");
            Images.AsSpan(src * n, n).CopyTo(images.AsSpan(i * n, n));
            labels[i] = Labels[src];
        }
        return new LabeledImages(images, labels, Channels, Height, Width, Classes);
    }

    /// <summary>The first <paramref name="count"/> items (a copy).</summary>
    public LabeledImages Take(int count)
    {
        if (count < 0 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"cannot take {count} of {Count} items");
        return new LabeledImages(Images.AsSpan(0, count * SampleSize).ToArray(), Labels.AsSpan(0, count).ToArray(), Channels, Height, Width, Classes);
    }

    public override string ToString() => $"{Count} images {Channels}x{Height}x{Width}, {Classes} classes";
}
