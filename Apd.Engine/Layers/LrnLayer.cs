// LRN layer across channels (TensorFlow semantics), the batch split over BatchParallel workers;
// training Forward caches s = bias + α·Σx² for Backward.
using System.Buffers;
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed unsafe class LrnLayer : ILayer
{
    private readonly LrnGeometry _g; // per sample
    private float[] _scale = [];

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
        Run(pass.Batch, x, y, _scale.AsSpan(0, length));
    }

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y) => Run(pass.Batch, x, y, Span<float>.Empty);

    public void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.IsEmpty) return;
        int batch = pass.Batch, size = _g.ImageSize, total = batch * size;
        if (x.Length != total || y.Length != total || dy.Length != total || dx.Length != total || _scale.Length < total)
            throw new ArgumentException($"{Name}: backward buffers do not match batch {batch} (or no training Forward came first).");
        var g0 = _g;
        int scratchLength = Lrn.BackwardScratchLength(g0);
        fixed (float* px = x, py = y, ps = _scale, pdy = dy, pdx = dx)
        {
            nint ax = (nint)px, ay = (nint)py, aS = (nint)ps, ady = (nint)pdy, adx = (nint)pdx;
            BatchParallel.For(batch, BatchParallel.Workers(batch), (_, start, count) =>
            {
                float[] scratch = ArrayPool<float>.Shared.Rent(scratchLength);
                try
                {
                    long at = (long)start * size;
                    int n = count * size;
                    Lrn.Backward<float>(new ReadOnlySpan<float>((float*)ax + at, n), new ReadOnlySpan<float>((float*)ay + at, n),
                        new ReadOnlySpan<float>((float*)aS + at, n), new ReadOnlySpan<float>((float*)ady + at, n),
                        new Span<float>((float*)adx + at, n), g0 with { Batch = count }, scratch.AsSpan(0, scratchLength));
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(scratch);
                }
            });
        }
    }

    private void Run(int batch, ReadOnlySpan<float> x, Span<float> y, Span<float> scale)
    {
        int size = _g.ImageSize, total = batch * size;
        if (x.Length != total || y.Length != total) throw new ArgumentException($"{Name}: buffers do not match batch {batch}.");
        var g0 = _g;
        bool cache = !scale.IsEmpty;
        fixed (float* px = x, py = y, ps = scale)
        {
            nint ax = (nint)px, ay = (nint)py, aS = (nint)ps;
            BatchParallel.For(batch, BatchParallel.Workers(batch), (_, start, count) =>
            {
                long at = (long)start * size;
                int n = count * size;
                Lrn.Forward<float>(new ReadOnlySpan<float>((float*)ax + at, n), new Span<float>((float*)ay + at, n),
                    cache ? new Span<float>((float*)aS + at, n) : Span<float>.Empty, g0 with { Batch = count });
            });
        }
    }
}
