// gradcheck op `relu`: y = max(x, 0), dx = gy where x > 0.
using Apd.Engine.Kernels;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class ReluOp : IGradcheckOp
{
    public string Op => "relu";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        float[] x = c.Floats("x", -1), gy = c.Floats("gy", -1);
        float[] y = new float[x.Length], dx = new float[x.Length];
        Relu.Forward<float>(x, y);
        Relu.Backward<float>(y, gy, dx);
        int[] shape = c.Input("x").Shape;
        return new Dictionary<string, GradTensor> { ["y"] = GradTensor.FromFloats(shape, y), ["dx"] = GradTensor.FromFloats(shape, dx) };
    }
}
