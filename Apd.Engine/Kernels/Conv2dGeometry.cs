// Shapes of a 2-D convolution in NCHW / OIHW: batch, input planes, kernel, stride and explicit
// zero padding [top, bottom, left, right]; the output size follows from them. SAME and VALID build
// the padding with TensorFlow's rule: total = max((out − 1)·stride + k − in, 0), top = ⌊total/2⌋.
namespace Apd.Engine.Kernels;

public readonly record struct Conv2dGeometry(
    int Batch, int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadBottom, int PadLeft, int PadRight)
{
    public int OutHeight => (InHeight + PadTop + PadBottom - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - KernelWidth) / StrideWidth + 1;

    /// <summary>Elements of one input image, C·H·W.</summary>
    public int InputImageSize => InChannels * InHeight * InWidth;

    /// <summary>Elements of one output image, O·H_out·W_out.</summary>
    public int OutputImageSize => OutChannels * OutHeight * OutWidth;

    /// <summary>Rows of the unfolded patch matrix, C·KH·KW (the GEMM inner dimension).</summary>
    public int PatchSize => InChannels * KernelHeight * KernelWidth;

    /// <summary>Elements of the weight, O·C·KH·KW.</summary>
    public int WeightSize => OutChannels * PatchSize;

    public static Conv2dGeometry Same(int batch, int inChannels, int inHeight, int inWidth, int outChannels,
        int kernelHeight, int kernelWidth, int strideHeight = 1, int strideWidth = 1)
    {
        var (top, bottom) = Padding.Same(inHeight, kernelHeight, strideHeight);
        var (left, right) = Padding.Same(inWidth, kernelWidth, strideWidth);
        return new Conv2dGeometry(batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth,
            strideHeight, strideWidth, top, bottom, left, right).Validated();
    }

    public static Conv2dGeometry Valid(int batch, int inChannels, int inHeight, int inWidth, int outChannels,
        int kernelHeight, int kernelWidth, int strideHeight = 1, int strideWidth = 1)
        => new Conv2dGeometry(batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth,
            strideHeight, strideWidth, 0, 0, 0, 0).Validated();

    /// <summary>Throws unless every size is positive and at least one output pixel exists.</summary>
    public Conv2dGeometry Validated()
    {
        if (Batch < 0 || InChannels <= 0 || InHeight <= 0 || InWidth <= 0 || OutChannels <= 0 || KernelHeight <= 0 || KernelWidth <= 0)
            throw new ArgumentException($"Conv2d sizes must be positive: {this}");
        if (StrideHeight <= 0 || StrideWidth <= 0) throw new ArgumentException($"Conv2d strides must be positive: {this}");
        if (PadTop < 0 || PadBottom < 0 || PadLeft < 0 || PadRight < 0) throw new ArgumentException($"Conv2d padding must be non-negative: {this}");
        if (InHeight + PadTop + PadBottom < KernelHeight || InWidth + PadLeft + PadRight < KernelWidth)
            throw new ArgumentException($"Conv2d kernel is larger than the padded input: {this}");
        return this;
    }
}

/// <summary>TensorFlow's SAME padding rule.</summary>
public static class Padding
{
    /// <summary>SAME output size ⌈in/stride⌉ and the padding (before, after) that produces it.</summary>
    public static (int Before, int After) Same(int input, int kernel, int stride)
    {
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + kernel - input, 0);
        return (total / 2, total - total / 2);
    }
}
