// Max-pooling layer, the batch split over BatchParallel workers; no cache (Backward finds each window's
// winner again from the input and output it is handed).
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed class MaxPool2dLayer : ILayer
{
    private readonly Pool2dGeometry _g; // per sample

    public MaxPool2dLayer(string name, Pool2dGeometry geometry)
    {
        Name = name;
        _g = (geometry with { Batch = 1 }).Validated();
        InputShape = [_g.Channels, _g.InHeight, _g.InWidth];
        OutputShape = [_g.Channels, _g.OutHeight, _g.OutWidth];
    }

    public string Name { get; }
    public Pool2dGeometry Geometry => _g;
    public int[] InputShape { get; }
    public int[] OutputShape { get; }
    public int InputSize => _g.InputImageSize;
    public int OutputSize => _g.OutputImageSize;
    public IReadOnlyList<Parameter> Parameters => [];
    public IReadOnlyList<Parameter> TrainableParameters(int task) => [];

    public void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y) => Infer(pass, x, y);

    public unsafe void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
    {
        int batch = pass.Batch, inSize = InputSize, outSize = OutputSize, width = _g.InWidth;
        if (x.Length != batch * inSize || y.Length != batch * outSize) throw new ArgumentException($"{Name}: buffers do not match batch {batch}.");
        var g0 = _g;
        fixed (float* px = x, py = y)
        {
            nint ax = (nint)px, ay = (nint)py;
            BatchParallel.For(batch, BatchParallel.Workers(batch), (_, start, count) =>
            {
                Span<float> scratch = stackalloc float[width];
                MaxPool2d.Forward<float>(new ReadOnlySpan<float>((float*)ax + (long)start * inSize, count * inSize),
                    new Span<float>((float*)ay + (long)start * outSize, count * outSize), g0 with { Batch = count }, scratch);
            });
        }
    }

    public unsafe void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.IsEmpty) return;
        int batch = pass.Batch, inSize = InputSize, outSize = OutputSize;
        if (x.Length != batch * inSize || dx.Length != x.Length || y.Length != batch * outSize || dy.Length != y.Length)
            throw new ArgumentException($"{Name}: backward buffers do not match batch {batch}.");
        var g0 = _g;
        fixed (float* px = x, py = y, pdy = dy, pdx = dx)
        {
            nint ax = (nint)px, ay = (nint)py, ady = (nint)pdy, adx = (nint)pdx;
            BatchParallel.For(batch, BatchParallel.Workers(batch), (_, start, count) =>
                MaxPool2d.Backward<float>(new ReadOnlySpan<float>((float*)ax + (long)start * inSize, count * inSize),
                    new ReadOnlySpan<float>((float*)ay + (long)start * outSize, count * outSize),
                    new ReadOnlySpan<float>((float*)ady + (long)start * outSize, count * outSize),
                    new Span<float>((float*)adx + (long)start * inSize, count * inSize), g0 with { Batch = count }));
        }
    }
}
