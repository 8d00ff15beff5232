// Fine-tuning baseline: one shared trunk trained on every task in turn, a head per task. With
// EwcHook or L2TransferHook over SharedParameters it is the EWC / L2-transfer baseline.
using Apd.Engine.Checkpoints;
using Apd.Engine.Evaluation;
using Apd.Engine.Layers;
using Apd.Engine.Tensors;

namespace Apd.Engine.Training.Baselines;

public sealed class FineTuningModel(NetworkArchitecture architecture, int seed) : IContinualModel, ICapacityReporting, ICheckpointable
{
    public const string Kind = "finetune";

    private readonly MultiHeadNetwork _network = architecture.CreatePlain(seed);

    public NetworkArchitecture Architecture { get; } = architecture;
    public int TaskCount => _network.TaskCount;
    public IReadOnlyList<int>? InputShape => Architecture.InputShape;

    /// <summary>The trunk's parameters (weights and biases), shared by every task.</summary>
    public IReadOnlyList<Parameter> SharedParameters => [.. _network.Trunk.SelectMany(l => l.Parameters).Distinct()];

    public void BeginTask(int taskId, int classes) => _network.BeginTask(taskId, classes);
    public void EndTask(int taskId) => _network.EndTask(taskId);
    public IReadOnlyList<Parameter> TrainableParameters(int taskId) => _network.TrainableParameters(RequireTask(taskId));
    public void Forward(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits) => _network.Forward(RequireTask(taskId), x, batch, logits);
    public void Backward(int taskId, ReadOnlySpan<float> dLogits, int batch) => _network.Backward(RequireTask(taskId), dLogits, batch);
    public void Predict(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits) => _network.Predict(RequireTask(taskId), x, batch, logits);
    public CapacityReport Capacity() => PlainCapacity.Of([_network]);

    public ModelState ExportState()
    {
        var state = new ModelState(Kind);
        PlainNetworkState.WriteArchitecture(state, Architecture, seed, Enumerable.Range(0, TaskCount).Select(_network.Classes));
        PlainNetworkState.Export(state, _network, "");
        return state;
    }

    /// <summary>Rebuilds a model saved by <see cref="ExportState"/>: same architecture, tasks and weights.</summary>
    public static FineTuningModel Restore(ModelState state)
    {
        if (state.Kind != Kind) throw new InvalidDataException($"a '{state.Kind}' checkpoint is not a {Kind} model");
        var (architecture, seed, classes) = PlainNetworkState.ReadArchitecture(state);
        var model = new FineTuningModel(architecture, seed);
        for (int t = 0; t < classes.Length; t++) model.BeginTask(t, classes[t]);
        PlainNetworkState.Restore(state, model._network, "");
        return model;
    }

    private int RequireTask(int taskId) =>
        taskId >= 0 && taskId < _network.TaskCount ? taskId : throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"Unknown task id {taskId}: the model has {_network.TaskCount} task(s).");
}
