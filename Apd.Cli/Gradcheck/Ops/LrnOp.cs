// gradcheck op `lrn`: across-channel LRN with attrs depth_radius, bias, alpha, beta (TensorFlow semantics).
using Apd.Engine.Kernels;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class LrnOp : IGradcheckOp
{
    public string Op => "lrn";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        float[] x = c.Floats("x", 4), gy = c.Floats("gy", 4);
        int[] xs = c.Input("x").Shape;
        var g = new LrnGeometry(xs[0], xs[1], xs[2], xs[3], (int)c.Number("depth_radius"), c.Number("bias"), c.Number("alpha"), c.Number("beta")).Validated();
        float[] y = new float[x.Length], scale = new float[x.Length], dx = new float[x.Length];
        Lrn.Forward<float>(x, y, scale, g);
        Lrn.Backward<float>(x, y, scale, gy, dx, g, new float[Lrn.BackwardScratchLength(g)]);
        return new Dictionary<string, GradTensor> { ["y"] = GradTensor.FromFloats(xs, y), ["dx"] = GradTensor.FromFloats(xs, dx) };
    }
}
