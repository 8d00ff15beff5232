// The plain weight source: θ is a Parameter, shared by every task; dθ accumulates straight into its Grad.
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed class ParameterWeight : IWeightSource
{
    private readonly Parameter[] _parameters;

    public ParameterWeight(Parameter parameter)
    {
        Parameter = parameter ?? throw new ArgumentNullException(nameof(parameter));
        _parameters = [parameter];
    }

    public Parameter Parameter { get; }
    public int[] Shape => Parameter.Shape;
    public int Length => Parameter.Length;
    public IReadOnlyList<Parameter> Parameters => _parameters;
    public IReadOnlyList<Parameter> TrainableParameters(int task) => _parameters;
    public bool ComposesIntoScratch => false;
    public ReadOnlySpan<float> Weight(int task, Span<float> scratch) => Parameter.Value;
    public Span<float> GradientTarget(int task, Span<float> scratch) => Parameter.Grad;

    public void RouteGradient(int task, ReadOnlySpan<float> dTheta)
    {
    }
}
