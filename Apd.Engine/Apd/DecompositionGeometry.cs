// How a weight tensor splits around its output-channel axis: (Outer, Channels, Inner), row-major.
// Dense weights [in, out] are (in, out, 1); conv weights OIHW are (1, out, in·kh·kw).
// Every APD kernel broadcasts the per-channel mask M = sigmoid(v) along Outer and Inner.
namespace Apd.Engine.Decomposition;

public readonly record struct DecompositionGeometry(int Outer, int Channels, int Inner)
{
    public int Length => Outer * Channels * Inner;

    public static DecompositionGeometry ForDense(int inputs, int outputs) => new(inputs, outputs, 1);

    public static DecompositionGeometry ForConv(int outChannels, int inChannels, int kernelH, int kernelW)
        => new(1, outChannels, inChannels * kernelH * kernelW);

    /// <summary>Splits <paramref name="shape"/> around <paramref name="axis"/> (the output-channel axis).</summary>
    public static DecompositionGeometry FromShape(ReadOnlySpan<int> shape, int axis)
    {
        if ((uint)axis >= (uint)shape.Length) throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is outside a rank-{shape.Length} shape");
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        return new DecompositionGeometry(outer, shape[axis], inner);
    }

    /// <summary>The output channel of flat element <paramref name="index"/>.</summary>
    public int ChannelOf(int index) => index / Inner % Channels;

    internal void Validate(int length, int channels)
    {
        if (Outer < 0 || Channels < 0 || Inner < 0) throw new ArgumentException($"negative geometry {this}");
        if (length != Length) throw new ArgumentException($"tensor has {length} elements, geometry {this} needs {Length}");
        if (channels != Channels) throw new ArgumentException($"mask has {channels} entries, geometry {this} needs {Channels}");
    }
}
