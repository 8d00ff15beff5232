// Shapes of a fully connected layer y = x·W + b: x (Batch, In), W (In, Out) row-major, y (Batch, Out).
namespace Apd.Engine.Kernels;

public readonly record struct DenseGeometry(int Batch, int In, int Out)
{
    public DenseGeometry Validated()
    {
        if (Batch < 0 || In <= 0 || Out <= 0) throw new ArgumentException($"Dense sizes must be positive: {this}");
        return this;
    }
}
