// A set of labelled samples as the engine sees them: images NCHW in one float array, labels in
// [0, Classes). Readers (Apd.Data) and the CLI convert their own types into this one.
namespace Apd.Engine.Tensors;

public sealed class LabeledSet
{
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
        Images = images;
        Labels = labels;
        Classes = classes;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>(Count, Channels, Height, Width), row-major.</summary>
    public float[] Images { get; }
    public int[] Labels { get; }
    public int Classes { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Count => Labels.Length;
    public int SampleLength => Channels * Height * Width;

    public ReadOnlySpan<float> Sample(int index) => Images.AsSpan(index * SampleLength, SampleLength);

    /// <summary>The first <paramref name="count"/> samples (a copy).</summary>
    public LabeledSet Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        count = Math.Min(count, Count);
        return new LabeledSet(Images.AsSpan(0, count * SampleLength).ToArray(), Labels.AsSpan(0, count).ToArray(), Classes, Channels, Height, Width);
    }
}
