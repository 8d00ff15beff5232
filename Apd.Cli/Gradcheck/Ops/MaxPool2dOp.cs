// gradcheck op `maxpool2d`: x [N,C,H,W], attrs kernel, stride, pad [top,bottom,left,right]; padded cells are −∞.
using Apd.Engine.Kernels;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class MaxPool2dOp : IGradcheckOp
{
    public string Op => "maxpool2d";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        float[] x = c.Floats("x", 4), gy = c.Floats("gy", 4);
        int[] xs = c.Input("x").Shape, k = c.IntArray("kernel", 2), s = c.IntArray("stride", 2), p = c.IntArray("pad", 4);
        var g = new Pool2dGeometry(xs[0], xs[1], xs[2], xs[3], k[0], k[1], s[0], s[1], p[0], p[1], p[2], p[3]).Validated();
        float[] y = new float[g.Batch * g.OutputImageSize], dx = new float[x.Length];
        int[] argMax = new int[y.Length];
        MaxPool2d.Forward<float>(x, y, argMax, g, new float[MaxPool2d.ForwardScratchLength(g)]);
        MaxPool2d.Backward<float>(gy, argMax, dx, g);
        return new Dictionary<string, GradTensor>
        {
            ["y"] = GradTensor.FromFloats([g.Batch, g.Channels, g.OutHeight, g.OutWidth], y),
            ["dx"] = GradTensor.FromFloats(xs, dx),
        };
    }
}
