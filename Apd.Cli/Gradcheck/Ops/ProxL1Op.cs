// gradcheck op `prox_l1`: y = sign(τ)·max(|τ| − threshold, 0).
using Apd.Engine.Decomposition;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class ProxL1Op : IGradcheckOp
{
    public string Op => "prox_l1";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        int[] shape = c.Input("tau").Shape;
        float[] tau = c.Floats("tau", shape.Length), y = new float[tau.Length];
        ProxL1.SoftThreshold(tau, (float)c.Number("threshold"), y);
        return new Dictionary<string, GradTensor> { ["y"] = GradTensor.FromFloats(shape, y) };
    }
}
