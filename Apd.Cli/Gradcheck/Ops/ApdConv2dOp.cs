// gradcheck op `apd_conv2d`: conv2d with θ = σ ⊙ sigmoid(v) + τ (v per output channel, OIHW), run through
// the engine's Conv2dLayer over a decomposed weight source; stride and pad as for `conv2d`.
using Apd.Engine.Decomposition;
using Apd.Engine.Layers;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class ApdConv2dOp : IGradcheckOp
{
    public string Op => "apd_conv2d";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        int[] xs = c.Input("x").Shape, ws = c.Input("sigma").Shape;
        var g = Conv2dOp.Geometry(c, xs, ws);
        var (weight, bias) = DecomposedTask(c, ws, axis: 0);
        var layer = new Conv2dLayer("apd_conv2d", g, new ApdWeightSource(weight), bias);
        float[] x = c.Floats("x", 4), gy = c.Floats("gy", 4);
        var pass = new LayerPass(0, xs[0]);
        float[] y = new float[xs[0] * g.OutputImageSize], dx = new float[x.Length];
        layer.Forward(pass, x, y);
        layer.Backward(pass, x, y, gy, dx);
        return Outputs(weight, bias, [xs[0], g.OutChannels, g.OutHeight, g.OutWidth], y, xs, dx);
    }

    /// <summary>A decomposed weight with one task (id 0) holding the case's σ, v, τ and b.</summary>
    internal static (DecomposedWeight Weight, TaskBias Bias) DecomposedTask(GradcheckCase c, int[] shape, int axis)
    {
        var weight = new DecomposedWeight("w", shape, axis);
        weight.AddTask(0, TauInit.Zero, 0f);
        c.Floats("sigma", shape.Length).CopyTo(weight.Sigma.Value, 0);
        c.Floats("v", 1).CopyTo(weight.MaskLogits(0).Value, 0);
        c.Floats("tau", shape.Length).CopyTo(weight.DenseTau(0).Value, 0);
        var bias = new TaskBias("b", shape[axis]);
        bias.AddTask(0);
        c.Floats("b", 1).CopyTo(bias.Of(0).Value, 0);
        return (weight, bias);
    }

    internal static Dictionary<string, GradTensor> Outputs(DecomposedWeight weight, TaskBias bias, int[] yShape, float[] y, int[] xShape, float[] dx) => new()
    {
        ["y"] = GradTensor.FromFloats(yShape, y),
        ["dx"] = GradTensor.FromFloats(xShape, dx),
        ["dsigma"] = GradTensor.FromFloats(weight.Shape, weight.Sigma.Grad),
        ["dv"] = GradTensor.FromFloats([weight.Channels], weight.MaskLogits(0).Grad),
        ["dtau"] = GradTensor.FromFloats(weight.Shape, weight.DenseTau(0).Grad),
        ["db"] = GradTensor.FromFloats([bias.Length], bias.Of(0).Grad),
    };
}
