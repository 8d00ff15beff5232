// One task of a continual-learning benchmark and the ordered sequence of them.
using Apd.Engine.Tensors;

namespace Apd.Data;

/// <summary>
/// A task: its training and test images with labels remapped to 0..n-1 within the task
/// (<see cref="Classes"/> = n). <see cref="OriginalClasses"/>[j] is the dataset label that task label j
/// stands for. <see cref="Validation"/> is carved from the training set when
/// <see cref="BenchmarkOptions.ValidationFraction"/> &gt; 0, otherwise null.
/// </summary>
public sealed record ContinualTask(string Name, LabeledSet Train, LabeledSet Test)
{
    public int Classes => Train.Classes;
    public IReadOnlyList<int> OriginalClasses { get; init; } = Array.Empty<int>();
    public LabeledSet? Validation { get; init; }
}

/// <summary>The tasks of benchmark <see cref="Benchmark"/>, in the order they are learned.</summary>
public sealed record TaskSequence(string Benchmark, IReadOnlyList<ContinualTask> Tasks)
{
    public int Channels => Tasks[0].Train.Channels;
    public int Height => Tasks[0].Train.Height;
    public int Width => Tasks[0].Train.Width;
}
