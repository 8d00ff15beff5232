// LeNet as the APD authors build it: conv 5×5 →20 and conv 5×5 →50, each SAME + ReLU + LRN (r 4, bias 1,
// α 0.001/9, β 0.75) + max-pool 3×3/2 SAME; flatten; dense →800 and →500 with ReLU; one dense head per task.
// 3×32×32 input flattens to 50·8·8 = 3200, 1×28×28 to 50·7·7 = 2450.
using Apd.Engine.Kernels;

namespace Apd.Engine.Layers;

public static class LeNet
{
    public const int FeatureSize = 500;

    /// <summary>The trunk (everything before the head) for images of channels × height × width.</summary>
    public static IReadOnlyList<ILayer> Trunk(int channels, int height, int width, IWeightFactory weights)
    {
        var layers = new List<ILayer>();
        int c = channels, h = height, w = width;
        foreach (var (name, outChannels) in new[] { ("conv1", 20), ("conv2", 50) })
        {
            var conv = Conv2dGeometry.Same(1, c, h, w, outChannels, 5, 5);
            layers.Add(new Conv2dLayer(name, conv,
                weights.Weight(name + ".w", [outChannels, c, 5, 5], c * 25, outChannels * 25),
                weights.Bias(name + ".b", outChannels)));
            layers.Add(new ReluLayer(name + ".relu", [outChannels, h, w]));
            layers.Add(new LrnLayer(name + ".lrn", LrnGeometry.AuthorsLeNet(1, outChannels, h, w)));
            var pool = Pool2dGeometry.Same(1, outChannels, h, w, 3, 3, 2, 2);
            layers.Add(new MaxPool2dLayer(name + ".pool", pool));
            (c, h, w) = (outChannels, pool.OutHeight, pool.OutWidth);
        }
        layers.Add(new FlattenLayer("flatten", [c, h, w]));
        int features = c * h * w;
        foreach (var (name, units) in new[] { ("fc1", 800), ("fc2", FeatureSize) })
        {
            layers.Add(new DenseLayer(name, features, units,
                weights.Weight(name + ".w", [features, units], features, units), weights.Bias(name + ".b", units)));
            layers.Add(new ReluLayer(name + ".relu", [units]));
            features = units;
        }
        return layers;
    }

    /// <summary>A task head: dense FeatureSize → classes.</summary>
    public static ILayer Head(int taskId, int classes, IWeightFactory weights)
    {
        string name = $"head{taskId}";
        return new DenseLayer(name, FeatureSize, classes,
            weights.Weight(name + ".w", [FeatureSize, classes], FeatureSize, classes), weights.Bias(name + ".b", classes));
    }

    /// <summary>A plain multi-head LeNet with Glorot-uniform weights from <paramref name="seed"/>; add heads with BeginTask.</summary>
    public static MultiHeadNetwork Create(int channels, int height, int width, int seed)
    {
        var weights = new InitializedWeights(seed);
        var headWeights = new InitializedWeights(unchecked(seed + 104729));
        return new MultiHeadNetwork(Trunk(channels, height, width, weights), (task, classes) => Head(task, classes, headWeights));
    }
}
