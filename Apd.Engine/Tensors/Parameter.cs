// A named block of trainable values with its gradient, stored contiguously.
// Layers own parameters; optimizers and penalties see them only through this type.
namespace Apd.Engine.Tensors;

public sealed class Parameter
{
    public Parameter(string name, params int[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        long size = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            size *= d;
        }
        if (size > Array.MaxLength) throw new ArgumentException($"Parameter '{name}' is too large: {size} elements.", nameof(shape));
        Name = name;
        Shape = (int[])shape.Clone();
        Value = new float[size];
        Grad = new float[size];
    }

    public string Name { get; }
    public int[] Shape { get; }
    public float[] Value { get; }
    public float[] Grad { get; }
    public int Length => Value.Length;

    public void ZeroGrad() => Array.Clear(Grad);

    public override string ToString() => $"{Name}[{string.Join(",", Shape)}]";
}
