// The IWeightFactory that turns any layer builder (e.g. LeNet.Trunk) into an APD network: every weight
// becomes a DecomposedWeight (σ Glorot-uniform from the seed; mask axis: out for dense [in, out], O for
// conv OIHW) and every bias a per-task TaskBias. Keeps the list so the network can add and drop tasks.
using Apd.Engine.Layers;

namespace Apd.Engine.Decomposition;

public sealed class ApdWeights(int seed) : IWeightFactory
{
    private readonly List<DecomposedWeight> _weights = new();
    private readonly List<TaskBias> _biases = new();
    private int _created;

    public IReadOnlyList<DecomposedWeight> Weights => _weights;
    public IReadOnlyList<TaskBias> Biases => _biases;

    public IWeightSource Weight(string name, int[] shape, int fanIn, int fanOut)
    {
        int axis = shape.Length switch
        {
            2 => 1,
            4 => 0,
            _ => throw new ArgumentException($"{name}: APD decomposes dense [in, out] and conv OIHW weights, not rank {shape.Length}"),
        };
        var w = new DecomposedWeight(name, shape, axis);
        InitializedWeights.GlorotUniform(w.Sigma.Value, fanIn, fanOut, new Random(unchecked(seed * 7919 + ++_created)));
        _weights.Add(w);
        return new ApdWeightSource(w);
    }

    public IWeightSource Bias(string name, int length)
    {
        _created++;
        var b = new TaskBias(name, length);
        _biases.Add(b);
        return b;
    }
}
