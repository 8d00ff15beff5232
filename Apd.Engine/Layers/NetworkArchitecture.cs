// A network shape that can be built over any weight factory, so one description serves the plain
// baselines (InitializedWeights) and APD (decomposed weights): a shared trunk and a dense head per task.
//   LeNet: the authors' network for 28×28 and 32×32 images (see LeNet.cs).
//   Mlp:   flatten → dense →100 → ReLU → dense →100 → ReLU, for the 1×8×8 UCI digits (split-digits):
//          LeNet's two 3×3/2 poolings would leave a 2×2 map of an 8×8 image, and 16k weights train in
//          well under a second per task.
namespace Apd.Engine.Layers;

public sealed class NetworkArchitecture
{
    private readonly Func<IWeightFactory, IReadOnlyList<ILayer>> _trunk;

    public NetworkArchitecture(string name, int[] inputShape, int featureSize, Func<IWeightFactory, IReadOnlyList<ILayer>> trunk)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(trunk);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureSize, 1);
        Name = name;
        InputShape = (int[])inputShape.Clone();
        FeatureSize = featureSize;
        _trunk = trunk;
    }

    public string Name { get; }

    /// <summary>One input sample, (C, H, W).</summary>
    public int[] InputShape { get; }

    /// <summary>Width of the trunk's output, the input of every head.</summary>
    public int FeatureSize { get; }

    public IReadOnlyList<ILayer> Trunk(IWeightFactory weights) => _trunk(weights);

    /// <summary>Task <paramref name="taskId"/>'s head: dense FeatureSize → classes.</summary>
    public ILayer Head(int taskId, int classes, IWeightFactory weights)
    {
        string name = $"head{taskId}";
        return new DenseLayer(name, FeatureSize, classes,
            weights.Weight(name + ".w", [FeatureSize, classes], FeatureSize, classes), weights.Bias(name + ".b", classes));
    }

    /// <summary>A plain (not decomposed) multi-head network with Glorot-uniform weights from <paramref name="seed"/>.
    /// Each head's initial weights depend only on (seed, task id), so a run resumed from a checkpoint
    /// initialises later heads exactly as an uninterrupted run does.</summary>
    public MultiHeadNetwork CreatePlain(int seed) =>
        new(Trunk(new InitializedWeights(seed)), (task, classes) => Head(task, classes, new InitializedWeights(HeadSeed(seed, task))));

    public static int HeadSeed(int seed, int taskId) => unchecked(seed + 104729 + 7919 * taskId);

    /// <summary>The architecture called <paramref name="name"/> (as in <see cref="Name"/>) for inputs of the given shape.</summary>
    public static NetworkArchitecture FromName(string name, int channels, int height, int width)
    {
        if (name == "lenet") return LeNetFor(channels, height, width);
        if (name.StartsWith("mlp-", StringComparison.Ordinal))
        {
            var parts = name[4..].Split('-');
            var hidden = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out hidden[i]) || hidden[i] < 1)
                    throw new ArgumentException($"Unknown network architecture '{name}'.", nameof(name));
            return Mlp(channels, height, width, hidden);
        }
        throw new ArgumentException($"Unknown network architecture '{name}' (known: lenet, mlp-H1-H2-...).", nameof(name));
    }

    public static NetworkArchitecture LeNetFor(int channels, int height, int width) =>
        new("lenet", [channels, height, width], LeNet.FeatureSize, w => LeNet.Trunk(channels, height, width, w));

    public static NetworkArchitecture Mlp(int channels, int height, int width, params int[] hidden)
    {
        if (hidden.Length == 0) throw new ArgumentException("An MLP needs at least one hidden layer.", nameof(hidden));
        return new($"mlp-{string.Join("-", hidden)}", [channels, height, width], hidden[^1], weights =>
        {
            var layers = new List<ILayer> { new FlattenLayer("flatten", [channels, height, width]) };
            int features = channels * height * width;
            for (int i = 0; i < hidden.Length; i++)
            {
                string name = $"fc{i + 1}";
                layers.Add(new DenseLayer(name, features, hidden[i],
                    weights.Weight(name + ".w", [features, hidden[i]], features, hidden[i]), weights.Bias(name + ".b", hidden[i])));
                layers.Add(new ReluLayer(name + ".relu", [hidden[i]]));
                features = hidden[i];
            }
            return layers;
        });
    }

    /// <summary>The default network for an input shape: LeNet from 28×28 up, the 100-100 MLP below.</summary>
    public static NetworkArchitecture For(int channels, int height, int width) =>
        height >= 28 && width >= 28 ? LeNetFor(channels, height, width) : Mlp(channels, height, width, 100, 100);
}
