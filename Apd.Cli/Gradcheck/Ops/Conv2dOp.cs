// gradcheck op `conv2d`: x [N,C,H,W], w [O,C,KH,KW], b [O], attrs stride [sh,sw] and pad [top,bottom,left,right].
using Apd.Engine.Kernels;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class Conv2dOp : IGradcheckOp
{
    public string Op => "conv2d";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        float[] x = c.Floats("x", 4), w = c.Floats("w", 4), b = c.Floats("b", 1), gy = c.Floats("gy", 4);
        var g = Geometry(c, c.Input("x").Shape, c.Input("w").Shape);
        float[] y = new float[g.Batch * g.OutputImageSize], dx = new float[x.Length], dw = new float[w.Length], db = new float[b.Length];
        float[] columns = new float[Conv2d.WorkspaceLength(g, g.Batch)];
        Conv2d.Forward<float>(x, w, b, y, g, columns);
        Conv2d.Backward<float>(x, w, gy, dx, dw, db, g, columns);
        return new Dictionary<string, GradTensor>
        {
            ["y"] = GradTensor.FromFloats([g.Batch, g.OutChannels, g.OutHeight, g.OutWidth], y),
            ["dx"] = GradTensor.FromFloats(c.Input("x").Shape, dx),
            ["dw"] = GradTensor.FromFloats(c.Input("w").Shape, dw),
            ["db"] = GradTensor.FromFloats([g.OutChannels], db),
        };
    }

    /// <summary>The convolution geometry of a case from x [N,C,H,W], w [O,C,KH,KW] and the stride/pad attributes.</summary>
    public static Conv2dGeometry Geometry(GradcheckCase c, int[] xs, int[] ws)
    {
        int[] stride = c.IntArray("stride", 2), pad = c.IntArray("pad", 4);
        if (ws[1] != xs[1]) throw new InvalidDataException($"case '{c.Name}': weight has {ws[1]} input channels, x has {xs[1]}");
        return new Conv2dGeometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride[0], stride[1], pad[0], pad[1], pad[2], pad[3]).Validated();
    }
}
