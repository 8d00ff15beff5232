// Local response normalisation across channels of NCHW images, TensorFlow semantics:
// y = x / (Bias + Alpha · Σ_{c' = c−r..c+r} x_{c'}²)^Beta (channels outside 0..C−1 are absent).
namespace Apd.Engine.Kernels;

public readonly record struct LrnGeometry(
    int Batch, int Channels, int Height, int Width,
    int DepthRadius, double Bias, double Alpha, double Beta)
{
    public int PlaneSize => Height * Width;
    public int ImageSize => Channels * Height * Width;

    /// <summary>The authors' LeNet setting: r 4, bias 1, alpha 0.001/9, beta 0.75.</summary>
    public static LrnGeometry AuthorsLeNet(int batch, int channels, int height, int width)
        => new(batch, channels, height, width, 4, 1.0, 0.001 / 9.0, 0.75);

    public LrnGeometry Validated()
    {
        if (Batch < 0 || Channels <= 0 || Height <= 0 || Width <= 0 || DepthRadius < 0)
            throw new ArgumentException($"LRN sizes must be positive: {this}");
        if (!(Bias > 0) || Alpha < 0 || Beta < 0) throw new ArgumentException($"LRN needs bias > 0, alpha ≥ 0, beta ≥ 0: {this}");
        return this;
    }
}
