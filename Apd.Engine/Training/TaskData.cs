// One task of a continual sequence as the trainer consumes it: a name, training and test samples
// over the same classes and sample shape.
using Apd.Engine.Tensors;

namespace Apd.Engine.Training;

public sealed class TaskData
{
    public TaskData(string name, LabeledSet train, LabeledSet test)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Classes != test.Classes)
            throw new ArgumentException($"Task '{name}': training data has {train.Classes} classes, test data {test.Classes}.");
        if ((train.Channels, train.Height, train.Width) != (test.Channels, test.Height, test.Width))
            throw new ArgumentException($"Task '{name}': training samples are {train.Channels}×{train.Height}×{train.Width}, test samples {test.Channels}×{test.Height}×{test.Width}.");
        if (train.Count == 0) throw new ArgumentException($"Task '{name}' has no training samples.");
        if (test.Count == 0) throw new ArgumentException($"Task '{name}' has no test samples.");
        Name = name;
        Train = train;
        Test = test;
    }

    public string Name { get; }
    public LabeledSet Train { get; }
    public LabeledSet Test { get; }
    public int Classes => Train.Classes;
}
