// gradcheck op `apd_compose`: θ = σ ⊙ sigmoid(v) + τ, v broadcast along attrs.axis; gradients of Σ gθ ⊙ θ.
using Apd.Engine.Decomposition;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class ApdComposeOp : IGradcheckOp
{
    public string Op => "apd_compose";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        int[] shape = c.Input("sigma").Shape;
        var g = DecompositionGeometry.FromShape(shape, (int)c.Number("axis"));
        float[] sigma = c.Floats("sigma", shape.Length), v = c.Floats("v", 1), tau = c.Floats("tau", shape.Length), gTheta = c.Floats("gtheta", shape.Length);
        float[] mask = new float[v.Length], theta = new float[sigma.Length];
        ApdCompose.Mask<float>(v, mask);
        ApdCompose.Forward<float>(sigma, mask, tau, theta, g);
        float[] dSigma = new float[sigma.Length], dv = new float[v.Length], dTau = new float[tau.Length];
        ApdCompose.Backward<float>(sigma, mask, gTheta, dSigma, dv, dTau, g);
        return new Dictionary<string, GradTensor>
        {
            ["theta"] = GradTensor.FromFloats(shape, theta),
            ["dsigma"] = GradTensor.FromFloats(shape, dSigma),
            ["dv"] = GradTensor.FromFloats([v.Length], dv),
            ["dtau"] = GradTensor.FromFloats(shape, dTau),
        };
    }
}
