// LRN layer across channels (TensorFlow semantics); training Forward caches s = bias + α·Σx² for Backward.
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed class LrnLayer : ILayer
{
    private readonly LrnGeometry _g; // per sample
    private float[] _scale = [];
    private float[] _scratch = [];

    public LrnLayer(string name, LrnGeometry geometry)
    {
        Name = name;
        _g = (geometry with { Batch = 1 }).Validated();
        InputShape = [_g.Channels, _g.Height, _g.Width];
        OutputShape = [_g.Channels, _g.Height, _g.Width];
    }

    public string Name { get; }
    public LrnGeometry Geometry => _g;
    public int[] InputShape { get; }
    public int[] OutputShape { get; }
    public int InputSize => _g.ImageSize;
    public int OutputSize => _g.ImageSize;
    public IReadOnlyList<Parameter> Parameters => [];
    public IReadOnlyList<Parameter> TrainableParameters(int task) => [];

    public void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
    {
        int length = pass.Batch * _g.ImageSize;
        if (_scale.Length < length) _scale = new float[length];
        Lrn.Forward(x, y, _scale.AsSpan(0, length), _g with { Batch = pass.Batch });
    }

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
        => Lrn.Forward(x, y, Span<float>.Empty, _g with { Batch = pass.Batch });

    public void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.IsEmpty) return;
        var g = _g with { Batch = pass.Batch };
        if (_scratch.Length < Lrn.BackwardScratchLength(g)) _scratch = new float[Lrn.BackwardScratchLength(g)];
        Lrn.Backward(x, y, _scale.AsSpan(0, pass.Batch * _g.ImageSize), dy, dx, g, _scratch);
    }
}
