// gradcheck op `dense`: y = x·w + b with x [N,I], w [I,O], b [O]; gradients of Σ gy ⊙ y.
using Apd.Engine.Kernels;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class DenseOp : IGradcheckOp
{
    public string Op => "dense";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        float[] x = c.Floats("x", 2), w = c.Floats("w", 2), b = c.Floats("b", 1), gy = c.Floats("gy", 2);
        int[] xs = c.Input("x").Shape, ws = c.Input("w").Shape;
        var g = new DenseGeometry(xs[0], xs[1], ws[1]);
        float[] y = new float[g.Batch * g.Out], dx = new float[x.Length], dw = new float[w.Length], db = new float[b.Length];
        Dense.Forward<float>(x, w, b, y, g);
        Dense.Backward<float>(x, w, gy, dx, dw, db, g);
        return new Dictionary<string, GradTensor>
        {
            ["y"] = GradTensor.FromFloats([g.Batch, g.Out], y),
            ["dx"] = GradTensor.FromFloats(xs, dx),
            ["dw"] = GradTensor.FromFloats(ws, dw),
            ["db"] = GradTensor.FromFloats([g.Out], db),
        };
    }
}
