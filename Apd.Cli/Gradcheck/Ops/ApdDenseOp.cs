// gradcheck op `apd_dense`: y = x·θ + b, θ = σ ⊙ sigmoid(v) + τ (v per output unit), run through the
// engine's DenseLayer over a decomposed weight source, so the layer path itself is checked.
using Apd.Engine.Decomposition;
using Apd.Engine.Layers;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class ApdDenseOp : IGradcheckOp
{
    public string Op => "apd_dense";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        int[] xs = c.Input("x").Shape, ws = c.Input("sigma").Shape;
        var (weight, bias) = ApdConv2dOp.DecomposedTask(c, ws, axis: 1);
        var layer = new DenseLayer("apd_dense", ws[0], ws[1], new ApdWeightSource(weight), bias);
        float[] x = c.Floats("x", 2), gy = c.Floats("gy", 2);
        var pass = new LayerPass(0, xs[0]);
        float[] y = new float[xs[0] * ws[1]], dx = new float[x.Length];
        layer.Forward(pass, x, y);
        layer.Backward(pass, x, y, gy, dx);
        return ApdConv2dOp.Outputs(weight, bias, [xs[0], ws[1]], y, xs, dx);
    }
}
