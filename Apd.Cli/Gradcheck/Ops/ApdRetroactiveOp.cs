// gradcheck op `apd_retroactive`: loss = λ·½·Σ (σ ⊙ sigmoid(v) + τ − θ*)², with dσ, dv, dτ.
using Apd.Engine.Decomposition;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class ApdRetroactiveOp : IGradcheckOp
{
    public string Op => "apd_retroactive";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        int[] shape = c.Input("sigma").Shape;
        var g = DecompositionGeometry.FromShape(shape, (int)c.Number("axis"));
        float[] sigma = c.Floats("sigma", shape.Length), v = c.Floats("v", 1), tau = c.Floats("tau", shape.Length), star = c.Floats("theta_star", shape.Length);
        float[] mask = new float[v.Length];
        ApdCompose.Mask<float>(v, mask);
        float[] dSigma = new float[sigma.Length], dv = new float[v.Length], dTau = new float[tau.Length];
        float loss = RetroactiveLoss.LossAndGradient<float>(sigma, mask, tau, star, (float)c.Number("lambda"), dSigma, dv, dTau, g);
        return new Dictionary<string, GradTensor>
        {
            ["loss"] = GradTensor.FromFloats([1], [loss]),
            ["dsigma"] = GradTensor.FromFloats(shape, dSigma),
            ["dv"] = GradTensor.FromFloats([v.Length], dv),
            ["dtau"] = GradTensor.FromFloats(shape, dTau),
        };
    }
}
