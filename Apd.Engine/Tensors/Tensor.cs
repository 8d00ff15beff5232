// A dense row-major tensor: a shape over a contiguous array (owned or shared).
// Kernels work on spans; this type only ties a buffer to its shape for layers and tests.
using System.Numerics;

namespace Apd.Engine.Tensors;

public sealed class Tensor<T> where T : unmanaged, INumber<T>
{
    public Tensor(params ReadOnlySpan<int> dims) : this(new TensorShape(dims)) { }

    public Tensor(TensorShape shape)
    {
        Shape = shape;
        Data = new T[shape.Length];
    }

    /// <summary>Wraps an existing buffer (no copy); it must hold exactly shape.Length elements.</summary>
    public Tensor(T[] data, TensorShape shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != shape.Length) throw new ArgumentException($"Buffer of {data.Length} elements for shape {shape} ({shape.Length} elements).", nameof(data));
        Shape = shape;
        Data = data;
    }

    public TensorShape Shape { get; }
    public T[] Data { get; }
    public int Length => Data.Length;
    public Span<T> Span => Data;

    /// <summary>The contiguous block of one leading index: row i of a matrix, sample n of an NCHW batch.</summary>
    public Span<T> Slice0(int index)
    {
        int stride = Shape.Stride(0);
        if ((uint)index >= (uint)Shape[0]) throw new ArgumentOutOfRangeException(nameof(index));
        return Data.AsSpan(index * stride, stride);
    }

    public ref T this[int i0, int i1] => ref Data[Offset(i0, i1, 0, 0, 2)];
    public ref T this[int i0, int i1, int i2, int i3] => ref Data[Offset(i0, i1, i2, i3, 4)];

    /// <summary>Same buffer under another shape with the same element count.</summary>
    public Tensor<T> Reshape(params ReadOnlySpan<int> dims) => new(Data, new TensorShape(dims));

    private int Offset(int i0, int i1, int i2, int i3, int rank)
    {
        if (Shape.Rank != rank) throw new InvalidOperationException($"Indexing a rank-{Shape.Rank} tensor with {rank} indices.");
        Span<int> idx = [i0, i1, i2, i3];
        int offset = 0;
        for (int a = 0; a < rank; a++)
        {
            if ((uint)idx[a] >= (uint)Shape[a]) throw new IndexOutOfRangeException($"Index {idx[a]} on axis {a} of shape {Shape}.");
            offset = offset * Shape[a] + idx[a];
        }
        return offset;
    }

    public override string ToString() => $"Tensor<{typeof(T).Name}>{Shape}";
}
