// A per-task bias (or any per-task vector) as an IWeightSource: task t reads and trains only b_t.
using Apd.Engine.Layers;
using Apd.Engine.Tensors;

namespace Apd.Engine.Decomposition;

public sealed class TaskBias(string name, int length) : IWeightSource
{
    private readonly SortedDictionary<int, Parameter> _byTask = new();

    public string Name { get; } = name;
    public int[] Shape { get; } = [length];
    public int Length { get; } = length;
    public IReadOnlyList<Parameter> Parameters => [.. _byTask.Values];
    public IReadOnlyList<Parameter> TrainableParameters(int task) => [Of(task)];
    public bool ComposesIntoScratch => false;
    public ReadOnlySpan<float> Weight(int task, Span<float> scratch) => Of(task).Value;
    public Span<float> GradientTarget(int task, Span<float> scratch) => Of(task).Grad;

    public void RouteGradient(int task, ReadOnlySpan<float> dTheta)
    {
    }

    public void AddTask(int task)
    {
        if (!_byTask.TryAdd(task, new Parameter($"{Name}[{task}]", Length))) throw new InvalidOperationException($"{Name}: task {task} is already registered");
    }

    public void Forget(int task)
    {
        if (!_byTask.Remove(task)) throw new KeyNotFoundException($"{Name}: unknown task {task}");
    }

    public Parameter Of(int task) => _byTask.TryGetValue(task, out var p) ? p : throw new KeyNotFoundException($"{Name}: unknown task id {task}");
}
