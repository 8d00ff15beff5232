// gradcheck op `softmax_cross_entropy`: logits [N,K], labels [N] (class indices); loss is the batch mean.
using Apd.Engine.Kernels;

namespace Apd.Cli.Gradcheck.Ops;

public sealed class SoftmaxCrossEntropyOp : IGradcheckOp
{
    public string Op => "softmax_cross_entropy";

    public IReadOnlyDictionary<string, GradTensor> Run(GradcheckCase c)
    {
        float[] logits = c.Floats("logits", 2);
        int[] shape = c.Input("logits").Shape;
        var labelData = c.Input("labels").Data;
        int[] labels = new int[labelData.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = (int)labelData[i];
            if (labels[i] != labelData[i]) throw new InvalidDataException($"case '{c.Name}': label {labelData[i]} is not a class index");
        }
        float[] d = new float[logits.Length];
        float loss = SoftmaxCrossEntropy.Forward<float>(logits, labels, d, shape[0], shape[1]);
        return new Dictionary<string, GradTensor> { ["loss"] = GradTensor.FromFloats([1], [loss]), ["dlogits"] = GradTensor.FromFloats(shape, d) };
    }
}
