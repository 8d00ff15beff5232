// Max-pooling layer; training Forward caches the arg-max indices (N, C, H_out, W_out) for Backward.
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
        MaxPool2d.Forward(x, y, _argMax.AsSpan(0, length), _g with { Batch = pass.Batch });
    }

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
        => MaxPool2d.Forward(x, y, Span<int>.Empty, _g with { Batch = pass.Batch });

    public void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (!dx.IsEmpty) MaxPool2d.Backward(dy, _argMax.AsSpan(0, pass.Batch * OutputSize), dx, _g with { Batch = pass.Batch });
    }
}
