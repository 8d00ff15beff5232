// Max-pooling layer, the batch split over BatchParallel workers; training Forward caches the winners'
// indices (N, C, H_out, W_out) for Backward.
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed class MaxPool2dLayer : ILayer
{
    private readonly Pool2dGeometry _g; // per sample
    private int[] _argMax = [];

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

    public void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
    {
        int length = pass.Batch * OutputSize;
        if (_argMax.Length < length) _argMax = new int[length];
        Run(pass.Batch, x, y, _argMax.AsSpan(0, length));
    }

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y) => Run(pass.Batch, x, y, Span<int>.Empty);

    private unsafe void Run(int batch, ReadOnlySpan<float> x, Span<float> y, Span<int> argMax)
    {
        int inSize = InputSize, outSize = OutputSize, scratchLength = MaxPool2d.ForwardScratchLength(_g);
        if (x.Length != batch * inSize || y.Length != batch * outSize) throw new ArgumentException($"{Name}: buffers do not match batch {batch}.");
        var g0 = _g;
        bool record = !argMax.IsEmpty;
        fixed (float* px = x, py = y)
        fixed (int* pa = argMax)
        {
            nint ax = (nint)px, ay = (nint)py, aa = (nint)pa;
            BatchParallel.For(batch, BatchParallel.Workers(batch), (_, start, count) =>
            {
                Span<float> scratch = stackalloc float[scratchLength];
                MaxPool2d.Forward<float>(new ReadOnlySpan<float>((float*)ax + (long)start * inSize, count * inSize),
                    new Span<float>((float*)ay + (long)start * outSize, count * outSize),
                    record ? new Span<int>((int*)aa + (long)start * outSize, count * outSize) : Span<int>.Empty,
                    g0 with { Batch = count }, scratch);
            });
        }
    }

    public unsafe void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.IsEmpty) return;
        int batch = pass.Batch, inSize = InputSize, outSize = OutputSize;
        if (dx.Length != batch * inSize || dy.Length != batch * outSize || _argMax.Length < dy.Length)
            throw new ArgumentException($"{Name}: backward buffers do not match batch {batch} (or no training Forward came first).");
        var g0 = _g;
        fixed (float* pdy = dy, pdx = dx)
        fixed (int* pa = _argMax)
        {
            nint ady = (nint)pdy, adx = (nint)pdx, aa = (nint)pa;
            BatchParallel.For(batch, BatchParallel.Workers(batch), (_, start, count) =>
                MaxPool2d.Backward<float>(new ReadOnlySpan<float>((float*)ady + (long)start * outSize, count * outSize),
                    new ReadOnlySpan<int>((int*)aa + (long)start * outSize, count * outSize),
                    new Span<float>((float*)adx + (long)start * inSize, count * inSize), g0 with { Batch = count }));
        }
    }
}
