// Flatten: (C, H, W) per sample becomes (C·H·W) in the same NCHW order — a copy, nothing else.
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed class FlattenLayer(string name, int[] inputShape) : ILayer
{
    public string Name { get; } = name;
    public int[] InputShape { get; } = (int[])inputShape.Clone();
    public int InputSize { get; } = inputShape.Aggregate(1, (a, d) => a * d);
    public int[] OutputShape => [InputSize];
    public int OutputSize => InputSize;
    public IReadOnlyList<Parameter> Parameters => [];
    public IReadOnlyList<Parameter> TrainableParameters(int task) => [];

    public void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y) => x.CopyTo(y);

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y) => x.CopyTo(y);

    public void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (!dx.IsEmpty) dy.CopyTo(dx);
    }
}
