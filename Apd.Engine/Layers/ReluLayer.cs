// ReLU over any shape; no parameters and no cache (Backward masks with the output it is handed).
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed class ReluLayer(string name, int[] shape) : ILayer
{
    public string Name { get; } = name;
    public int[] InputShape { get; } = (int[])shape.Clone();
    public int[] OutputShape { get; } = (int[])shape.Clone();
    public int InputSize { get; } = shape.Aggregate(1, (a, d) => a * d);
    public int OutputSize => InputSize;
    public IReadOnlyList<Parameter> Parameters => [];
    public IReadOnlyList<Parameter> TrainableParameters(int task) => [];

    public void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y) => Relu.Forward(x, y);

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y) => Relu.Forward(x, y);

    public void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (!dx.IsEmpty) Relu.Backward(y, dy, dx);
    }
}
