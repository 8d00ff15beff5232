// Creates the weight sources of a network being built, so one builder (e.g. LeNet) serves plain and
// decomposed (APD) networks alike. InitializedWeights: Glorot-uniform weights, zero biases, from a seed.
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public interface IWeightFactory
{
    /// <summary>A weight of <paramref name="shape"/> (dense [in, out], conv OIHW) with the given fans for initialisation.</summary>
    IWeightSource Weight(string name, int[] shape, int fanIn, int fanOut);

    IWeightSource Bias(string name, int length);
}

public sealed class InitializedWeights(int seed) : IWeightFactory
{
    private int _created;

    public IWeightSource Weight(string name, int[] shape, int fanIn, int fanOut)
    {
        var p = new Parameter(name, shape);
        GlorotUniform(p.Value, fanIn, fanOut, new Random(unchecked(seed * 7919 + ++_created)));
        return new ParameterWeight(p);
    }

    public IWeightSource Bias(string name, int length)
    {
        _created++;
        return new ParameterWeight(new Parameter(name, length));
    }

    /// <summary>w ~ U(−a, a), a = √(6 / (fanIn + fanOut)).</summary>
    public static void GlorotUniform(Span<float> w, int fanIn, int fanOut, Random rng)
    {
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2.0 - 1.0) * limit);
    }
}
