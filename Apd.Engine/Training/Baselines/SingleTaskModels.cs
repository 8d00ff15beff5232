// STL baseline: a separate network (trunk and head) for every task, so no task can disturb another;
// its capacity grows by one network per task. Network k is seeded with seed + k.
using Apd.Engine.Checkpoints;
using Apd.Engine.Evaluation;
using Apd.Engine.Layers;
using Apd.Engine.Tensors;

namespace Apd.Engine.Training.Baselines;

public sealed class SingleTaskModels(NetworkArchitecture architecture, int seed) : IContinualModel, ICapacityReporting, ICheckpointable
{
    public const string Kind = "stl";

    private readonly List<MultiHeadNetwork> _networks = new();

    public NetworkArchitecture Architecture { get; } = architecture;
    public int TaskCount => _networks.Count;
    public IReadOnlyList<int>? InputShape => Architecture.InputShape;

    public void BeginTask(int taskId, int classes)
    {
        if (taskId != _networks.Count) throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"Tasks are learned in order: the next task id is {_networks.Count}.");
        var network = Architecture.CreatePlain(unchecked(seed + taskId));
        network.BeginTask(0, classes);
        _networks.Add(network);
    }

    public void EndTask(int taskId) => Network(taskId).EndTask(0);
    public IReadOnlyList<Parameter> TrainableParameters(int taskId) => Network(taskId).TrainableParameters(0);
    public void Forward(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits) => Network(taskId).Forward(0, x, batch, logits);
    public void Backward(int taskId, ReadOnlySpan<float> dLogits, int batch) => Network(taskId).Backward(0, dLogits, batch);
    public void Predict(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits) => Network(taskId).Predict(0, x, batch, logits);
    public CapacityReport Capacity() => _networks.Count == 0 ? new CapacityReport(0, 0, 0, 0, 0) : PlainCapacity.Of(_networks);

    public ModelState ExportState()
    {
        var state = new ModelState(Kind);
        PlainNetworkState.WriteArchitecture(state, Architecture, seed, _networks.Select(n => n.Classes(0)));
        for (int t = 0; t < _networks.Count; t++) PlainNetworkState.Export(state, _networks[t], $"task{t}/");
        return state;
    }

    /// <summary>Rebuilds a model saved by <see cref="ExportState"/>: one network per saved task.</summary>
    public static SingleTaskModels Restore(ModelState state)
    {
        if (state.Kind != Kind) throw new InvalidDataException($"a '{state.Kind}' checkpoint is not an {Kind} model");
        var (architecture, seed, classes) = PlainNetworkState.ReadArchitecture(state);
        var model = new SingleTaskModels(architecture, seed);
        for (int t = 0; t < classes.Length; t++)
        {
            model.BeginTask(t, classes[t]);
            PlainNetworkState.Restore(state, model._networks[t], $"task{t}/");
        }
        return model;
    }

    private MultiHeadNetwork Network(int taskId) =>
        taskId >= 0 && taskId < _networks.Count ? _networks[taskId] : throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"Unknown task id {taskId}: the model has {_networks.Count} task(s).");
}
