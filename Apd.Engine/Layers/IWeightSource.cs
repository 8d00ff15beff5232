// Where a dense or conv layer gets its effective weight θ (or bias) for a task, and where dθ goes.
// A plain layer reads and accumulates a Parameter directly (ParameterWeight); a decomposed APD layer
// composes θ_t = σ ⊙ M_t + τ_t into the layer's scratch and routes dθ into σ, v_t and τ_t.
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public interface IWeightSource
{
    /// <summary>Layout of θ: dense [in, out], conv OIHW [O, C, KH, KW], bias [O].</summary>
    int[] Shape { get; }

    int Length { get; }

    /// <summary>Every parameter behind θ, for all tasks.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The parameters behind θ that an optimizer updates while learning <paramref name="task"/>.</summary>
    IReadOnlyList<Parameter> TrainableParameters(int task);

    /// <summary>True when Weight writes θ into the caller's scratch; false when it returns stored values (scratch unused).</summary>
    bool ComposesIntoScratch { get; }

    /// <summary>θ of <paramref name="task"/>. Safe to call from several threads with distinct scratch (length Length).</summary>
    ReadOnlySpan<float> Weight(int task, Span<float> scratch);

    /// <summary>The buffer the layer accumulates dθ into this step: the stored gradient itself, or the
    /// caller's scratch (length Length), cleared by this call, to be handed to RouteGradient.</summary>
    Span<float> GradientTarget(int task, Span<float> scratch);

    /// <summary>Accumulates dθ (as returned in GradientTarget's buffer) into the gradients of the parameters behind θ.</summary>
    void RouteGradient(int task, ReadOnlySpan<float> dTheta);
}
