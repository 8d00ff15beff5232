// gradcheck op `apd_drift`: loss = λ·½·Σ (σ − σ_prev)², with dσ.
using Apd.Engine.Decomposition;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class ApdDriftOp : IGradcheckOp
{
    public string Op => "apd_drift";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        int[] shape = c.Input("sigma").Shape;
        float[] sigma = c.Floats("sigma", shape.Length), prev = c.Floats("sigma_prev", shape.Length);
        float[] dSigma = new float[sigma.Length];
        float loss = DriftPenalty.LossAndGradient<float>(sigma, prev, (float)c.Number("lambda"), dSigma);
        return new Dictionary<string, GradTensor>
        {
            ["loss"] = GradTensor.FromFloats([1], [loss]),
            ["dsigma"] = GradTensor.FromFloats(shape, dSigma),
        };
    }
}
