// A layer of a network over a batch of samples stored back to back (NCHW images, or rows).
// Training: Forward may cache what Backward needs inside the layer (one training pass at a time), so
// Backward must follow the Forward of the same batch; it gets that Forward's input and output back,
// ACCUMULATES parameter gradients and overwrites dx (dx empty: the input gradient is not needed). Infer touches no layer state, so any number of threads
// may call it at once on a trained network.
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

/// <summary>Which task's weights to use (multi-head and APD layers) and how many samples the buffers hold.</summary>
public readonly record struct LayerPass(int Task, int Batch);

public interface ILayer
{
    string Name { get; }

    /// <summary>Shape of one input sample, e.g. [C, H, W] or [features].</summary>
    int[] InputShape { get; }

    /// <summary>Shape of one output sample.</summary>
    int[] OutputShape { get; }

    int InputSize { get; }
    int OutputSize { get; }

    /// <summary>Every parameter the layer owns, for all tasks.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The parameters an optimizer updates while learning <paramref name="task"/>.</summary>
    IReadOnlyList<Parameter> TrainableParameters(int task);

    void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y);

    void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);

    void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y);
}
