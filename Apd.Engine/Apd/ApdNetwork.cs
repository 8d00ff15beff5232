// A continual-learning network whose dense and conv weights are decomposed per task:
// θ_t = σ ⊙ sigmoid(v_t) + σ̃_g + τ_t, per-task biases and a per-task head. Built from any layer builder
// through ApdWeights (LeNet.Trunk by default); the trainer drives it through IContinualModel and the
// objective terms plug in as hooks (Apd/Hooks). Forget(t) drops τ_t, v_t, the biases and the head of t.
// Built from a NetworkArchitecture it can be saved (ExportState) and rebuilt (Restore, ApdNetworkState).
using Apd.Engine.Checkpoints;
using Apd.Engine.Evaluation;
using Apd.Engine.Layers;
using Apd.Engine.Tensors;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition;

public sealed class ApdNetwork : IContinualModel, ICapacityReporting, ICheckpointable
{
    public const string Kind = "apd";

    private readonly MultiHeadNetwork _net;
    private readonly HashSet<int> _learned = new();
    private readonly SortedSet<int> _forgotten = new();
    private int _lastBegun = -1;

    public ApdNetwork(Func<IWeightFactory, IReadOnlyList<ILayer>> trunk, int seed, ApdNetworkOptions? options = null)
    {
        Options = options ?? new ApdNetworkOptions();
        Factory = new ApdWeights(seed);
        var headWeights = new InitializedWeights(unchecked(seed + 104729));
        var layers = trunk(Factory);
        int features = layers[^1].OutputSize;
        _net = new MultiHeadNetwork(layers, (task, classes) => HeadFor(task, classes, features, headWeights));
        Seed = seed;
    }

    /// <summary>An APD network over <paramref name="architecture"/>'s trunk; such a network can be saved and restored.</summary>
    public ApdNetwork(NetworkArchitecture architecture, int seed, ApdNetworkOptions? options = null)
        : this(architecture.Trunk, seed, options)
    {
        Architecture = architecture;
    }

    /// <summary>The authors' LeNet (conv 20, conv 50, dense 800, 500; LRN, max-pool) with decomposed weights.</summary>
    public static ApdNetwork LeNet(int channels, int height, int width, int seed, ApdNetworkOptions? options = null)
        => new(f => Layers.LeNet.Trunk(channels, height, width, f), seed, options);

    /// <summary>A decomposed multi-layer perceptron (dense + ReLU per hidden layer), for small experiments and tests.</summary>
    public static ApdNetwork Mlp(int inputs, IReadOnlyList<int> hidden, int seed, ApdNetworkOptions? options = null)
        => new(f =>
        {
            var layers = new List<ILayer>();
            int features = inputs;
            for (int i = 0; i < hidden.Count; i++)
            {
                string name = $"fc{i + 1}";
                layers.Add(new DenseLayer(name, features, hidden[i], f.Weight(name + ".w", [features, hidden[i]], features, hidden[i]), f.Bias(name + ".b", hidden[i])));
                layers.Add(new ReluLayer(name + ".relu", [hidden[i]]));
                features = hidden[i];
            }
            return layers;
        }, seed, options);

    public ApdNetworkOptions Options { get; }

    /// <summary>The architecture the network was built from, or null for a custom layer builder (not savable).</summary>
    public NetworkArchitecture? Architecture { get; }
    public int Seed { get; }

    /// <summary>Task ids dropped by Forget, ascending (their ids stay reserved).</summary>
    public IReadOnlyList<int> ForgottenTasks => [.. _forgotten];
    public ApdWeights Factory { get; }
    public IReadOnlyList<DecomposedWeight> Weights => Factory.Weights;
    public MultiHeadNetwork Inner => _net;
    public int InputSize => _net.InputSize;
    public int TaskCount => _net.TaskCount;

    /// <summary>Tasks learned (ended) and not forgotten, ascending.</summary>
    public IReadOnlyList<int> LearnedTasks => [.. _learned.Order()];

    public bool IsLearned(int taskId) => _learned.Contains(taskId);

    public void BeginTask(int taskId, int classes)
    {
        if (taskId < 0) throw new ArgumentOutOfRangeException(nameof(taskId), "task ids start at 0");
        if (Weights.Any(w => w.HasTask(taskId)))
            throw new InvalidOperationException($"task {taskId} is already registered");
        int previous = _learned.Count > 0 ? _learned.Max() : -1;
        foreach (var w in Weights)
        {
            w.AddTask(taskId, Options.TauInit, Options.MaskLogitInit);
            if (Options.MaskFromPreviousTask && previous >= 0) w.MaskLogits(previous).Value.CopyTo(w.MaskLogits(taskId).Value, 0);
            if (Options.TauInit == TauInit.PreviousTask && previous >= 0) w.AddTaskSpecific(previous, w.DenseTau(taskId).Value);
        }
        foreach (var b in Factory.Biases) b.AddTask(taskId);
        _net.BeginTask(taskId, classes);
        _lastBegun = taskId;
    }

    /// <summary>Registers a learned task directly: <paramref name="make"/> gives each layer's mask logits and sparse τ.</summary>
    public void AddLearnedTask(int taskId, int classes, Func<DecomposedWeight, (float[] MaskLogits, SparseTau Tau)> make)
    {
        if (taskId < 0 || Weights.Any(w => w.HasTask(taskId))) throw new InvalidOperationException($"task {taskId} is already registered or negative");
        foreach (var w in Weights)
        {
            var (v, tau) = make(w);
            w.AddSealedTask(taskId, v, tau);
        }
        foreach (var b in Factory.Biases) b.AddTask(taskId);
        _net.BeginTask(taskId, classes);
        _learned.Add(taskId);
    }

    public void EndTask(int taskId)
    {
        CheckKnown(taskId);
        foreach (var w in Weights) w.Seal(taskId);
        _learned.Add(taskId);
    }

    /// <summary>Selective forgetting: drops τ_t, v_t, the biases and the head of <paramref name="taskId"/>; every other task's outputs are unchanged bit for bit.</summary>
    public void Forget(int taskId)
    {
        CheckKnown(taskId);
        foreach (var w in Weights) w.Forget(taskId);
        foreach (var b in Factory.Biases) b.Forget(taskId);
        _net.RemoveHead(taskId);
        _learned.Remove(taskId);
        _forgotten.Add(taskId);
    }

    public void Forward(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits)
    {
        CheckKnown(taskId);
        _net.Forward(taskId, x, batch, logits);
    }

    public void Backward(int taskId, ReadOnlySpan<float> dLogits, int batch)
    {
        CheckKnown(taskId);
        _net.Backward(taskId, dLogits, batch);
    }

    public IReadOnlyList<Parameter> TrainableParameters(int taskId)
    {
        CheckKnown(taskId);
        return _net.TrainableParameters(taskId);
    }

    public void Predict(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits)
    {
        CheckKnown(taskId);
        _net.Predict(taskId, x, batch, logits);
    }

    public int Classes(int taskId)
    {
        CheckKnown(taskId);
        return _net.Classes(taskId);
    }

    /// <summary>The task being learned (the last BeginTask), or −1.</summary>
    public int CurrentTask => _lastBegun;

    /// <summary>The whole network between tasks: architecture, options, σ, per task v, sparse τ, group, biases and head, σ̃ per group, forgotten ids.</summary>
    public ModelState ExportState() => ApdNetworkState.Export(this);

    /// <summary>Rebuilds a network saved by <see cref="ExportState"/>; every tensor and index is checked first (InvalidDataException naming it).</summary>
    public static ApdNetwork Restore(ModelState state) => ApdNetworkState.Restore(state);

    /// <summary>Restore: marks a registered task as forgotten-before (its head is made and dropped so later heads initialise as in the original run).</summary>
    internal void RestoreForgotten(int taskId)
    {
        _net.BeginTask(taskId, 1);
        _net.RemoveHead(taskId);
        _forgotten.Add(taskId);
    }

    internal void RestoreCurrentTask(int taskId) => _lastBegun = taskId;

    /// <summary>Capacity over the decomposed weights: (nnz σ + Σ nnz σ̃_g + Σ nnz τ_i) / |σ|; masks, biases and heads apart.</summary>
    public CapacityReport Capacity()
    {
        long sigma = 0, shared = 0, tau = 0, masks = 0;
        foreach (var w in Weights)
        {
            sigma += w.Length;
            shared += SparseTau.CountNonZeros(w.Sigma.Value) + w.SharedNonZeros();
            foreach (int t in w.TaskIds)
            {
                tau += w.TauNonZeros(t);
                masks += w.Channels;
            }
        }
        long biases = Factory.Biases.Sum(b => b.Parameters.Sum(p => (long)p.Length));
        long heads = 0;
        for (int t = 0; t < TaskCount; t++)
            if (Weights.Count == 0 || Weights[0].HasTask(t)) heads += _net.Head(t).Parameters.Sum(p => (long)p.Length);
        return new CapacityReport(sigma, shared, tau, masks, biases + heads);
    }

    private void CheckKnown(int taskId)
    {
        if (taskId < 0 || taskId >= TaskCount || (Weights.Count > 0 && !Weights[0].HasTask(taskId)))
            throw new ArgumentOutOfRangeException(nameof(taskId), $"unknown task id {taskId} (registered: {string.Join(", ", Enumerable.Range(0, TaskCount).Where(t => Weights.Count == 0 || Weights[0].HasTask(t)))})");
    }

    private static ILayer HeadFor(int task, int classes, int features, IWeightFactory weights)
    {
        string name = $"head{task}";
        return new DenseLayer(name, features, classes, weights.Weight(name + ".w", [features, classes], features, classes), weights.Bias(name + ".b", classes));
    }
}
