// IWeightSource over a DecomposedWeight: the dense/conv layer asks for θ_t, gets σ ⊙ M_t + σ̃_g + τ_t
// composed into its scratch, and hands dθ back, which goes to σ, v_t and τ_t (ApdCompose.Backward).
using Apd.Engine.Layers;
using Apd.Engine.Tensors;

namespace Apd.Engine.Decomposition;

public sealed class ApdWeightSource(DecomposedWeight weight) : IWeightSource
{
    public DecomposedWeight Decomposed { get; } = weight;
    public int[] Shape => Decomposed.Shape;
    public int Length => Decomposed.Length;

    public IReadOnlyList<Parameter> Parameters =>
        [Decomposed.Sigma, .. Decomposed.TaskIds.SelectMany(t => Decomposed.IsDense(t) ? [Decomposed.MaskLogits(t), Decomposed.DenseTau(t)] : new[] { Decomposed.MaskLogits(t) })];

    public IReadOnlyList<Parameter> TrainableParameters(int task) => [Decomposed.Sigma, Decomposed.MaskLogits(task), Decomposed.DenseTau(task)];

    public bool ComposesIntoScratch => true;

    public ReadOnlySpan<float> Weight(int task, Span<float> scratch)
    {
        Decomposed.ComposeTheta(task, scratch);
        return scratch;
    }

    public Span<float> GradientTarget(int task, Span<float> scratch)
    {
        scratch.Clear();
        return scratch;
    }

    public void RouteGradient(int task, ReadOnlySpan<float> dTheta) => Decomposed.BackwardTheta(task, dTheta);
}
