// Shapes of a 2-D pooling window over NCHW planes: kernel, stride and explicit padding
// [top, bottom, left, right] (padded cells never win a max: they count as −∞). SAME follows TensorFlow.
namespace Apd.Engine.Kernels;

public readonly record struct Pool2dGeometry(
    int Batch, int Channels, int InHeight, int InWidth,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    int PadTop, int PadBottom, int PadLeft, int PadRight)
{
    public int OutHeight => (InHeight + PadTop + PadBottom - KernelHeight) / StrideHeight + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - KernelWidth) / StrideWidth + 1;
    public int InputImageSize => Channels * InHeight * InWidth;
    public int OutputImageSize => Channels * OutHeight * OutWidth;

    public static Pool2dGeometry Same(int batch, int channels, int inHeight, int inWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth)
    {
        var (top, bottom) = Padding.Same(inHeight, kernelHeight, strideHeight);
        var (left, right) = Padding.Same(inWidth, kernelWidth, strideWidth);
        return new Pool2dGeometry(batch, channels, inHeight, inWidth, kernelHeight, kernelWidth, strideHeight, strideWidth,
            top, bottom, left, right).Validated();
    }

    public static Pool2dGeometry Valid(int batch, int channels, int inHeight, int inWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth)
        => new Pool2dGeometry(batch, channels, inHeight, inWidth, kernelHeight, kernelWidth, strideHeight, strideWidth,
            0, 0, 0, 0).Validated();

    public Pool2dGeometry Validated()
    {
        if (Batch < 0 || Channels <= 0 || InHeight <= 0 || InWidth <= 0 || KernelHeight <= 0 || KernelWidth <= 0)
            throw new ArgumentException($"Pool2d sizes must be positive: {this}");
        if (StrideHeight <= 0 || StrideWidth <= 0) throw new ArgumentException($"Pool2d strides must be positive: {this}");
        if (PadTop < 0 || PadBottom < 0 || PadLeft < 0 || PadRight < 0) throw new ArgumentException($"Pool2d padding must be non-negative: {this}");
        if (InHeight + PadTop + PadBottom < KernelHeight || InWidth + PadLeft + PadRight < KernelWidth)
            throw new ArgumentException($"Pool2d window is larger than the padded input: {this}");
        return this;
    }
}
