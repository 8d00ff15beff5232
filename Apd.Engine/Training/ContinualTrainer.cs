// The task-sequence loop: for each task, BeginTask → hooks.BeforeTask → E epochs of shuffled batches
// → model.EndTask → hooks.AfterTask → evaluate every learned task (one row of the accuracy matrix).
// Methods differ only in the model and the hooks they bring; the loop never branches on them.
using System.Diagnostics;
using System.Numerics.Tensors;
using Apd.Engine.Evaluation;
using Apd.Engine.Kernels;
using Apd.Engine.Optim;
using Apd.Engine.Tensors;

namespace Apd.Engine.Training;

public sealed class ContinualTrainer
{
    private readonly IContinualModel _model;
    private readonly IReadOnlyList<ITrainingHook> _hooks;
    private readonly TrainerOptions _options;

    public ContinualTrainer(IContinualModel model, TrainerOptions options, params IReadOnlyList<ITrainingHook> hooks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hooks);
        options.Validate();
        _model = model;
        _options = options;
        _hooks = hooks.ToArray();
    }

    /// <summary>Called after each task with its row of the accuracy matrix and timings.</summary>
    public Action<TaskReport>? TaskCompleted { get; set; }

    /// <summary>Called after each epoch with the mean training loss (data loss plus hook terms).</summary>
    public Action<EpochReport>? EpochCompleted { get; set; }

    /// <summary>
    /// Learns <paramref name="tasks"/> in order as the model's next task ids. With <paramref name="resumeFrom"/>
    /// (the result of an earlier run whose tasks the model has already learned, e.g. restored from a
    /// checkpoint), <paramref name="tasks"/> is the whole sequence: its first tasks must be the ones already
    /// learned; the run continues with the rest and its accuracy matrix extends the earlier one.
    /// </summary>
    public ContinualRunResult Run(IReadOnlyList<TaskData> tasks, ContinualRunResult? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0) throw new ArgumentException("The task sequence is empty.", nameof(tasks));
        int learned = resumeFrom?.Tasks.Count ?? 0;
        int firstId = _model.TaskCount - learned;
        if (resumeFrom is not null)
        {
            if (firstId < 0) throw new ArgumentException($"The earlier run learned {learned} task(s) but the model holds only {_model.TaskCount}.", nameof(resumeFrom));
            if (tasks.Count < learned) throw new ArgumentException($"The earlier run learned {learned} task(s); the sequence has only {tasks.Count}.", nameof(tasks));
            for (int k = 0; k < learned; k++)
                if (tasks[k].Name != resumeFrom.Tasks[k].TaskName)
                    throw new ArgumentException($"Task {k + 1} of the sequence is '{tasks[k].Name}' but the earlier run learned '{resumeFrom.Tasks[k].TaskName}'.", nameof(tasks));
        }
        var matrix = new AccuracyMatrix(resumeFrom?.Accuracy.ToJagged() ?? []);
        var result = new ContinualRunResult(matrix);
        foreach (var earlier in resumeFrom?.Tasks ?? []) result.Add(earlier);
        for (int k = learned; k < tasks.Count; k++)
        {
            int taskId = firstId + k;
            var clock = Stopwatch.StartNew();
            var (steps, trainSeconds) = LearnTask(taskId, tasks[k]);
            double seconds = clock.Elapsed.TotalSeconds;

            var row = new double[k + 1];
            for (int j = 0; j <= k; j++) row[j] = Evaluate(firstId + j, tasks[j].Test);
            matrix.AddRow(row);

            var report = new TaskReport(taskId, tasks[k].Name, row, seconds, steps == 0 ? 0 : 1000 * trainSeconds / steps,
                (_model as ICapacityReporting)?.Capacity());
            result.Add(report);
            TaskCompleted?.Invoke(report);
        }
        return result;
    }

    /// <summary>Test accuracy of a learned task.</summary>
    public double Evaluate(int taskId, LabeledSet test)
    {
        RequireKnownTask(taskId);
        return Accuracy.Evaluate((x, n, logits) => _model.Predict(taskId, x, n, logits), test, _options.EvaluationBatchSize);
    }

    private (int Steps, double TrainSeconds) LearnTask(int taskId, TaskData task)
    {
        CheckShape(taskId, task);
        _model.BeginTask(taskId, task.Classes);
        var parameters = _model.TrainableParameters(taskId);
        var ctx = new TrainingContext { Model = _model, TaskId = taskId, TaskName = task.Name, TrainData = task.Train, Parameters = parameters };
        foreach (var h in _hooks) h.BeforeTask(ctx);

        var adam = new Adam(parameters, weightDecay: _options.WeightDecay);
        ctx.Optimizer = adam;
        var schedule = new StaircaseDecay(_options.LearningRate, _options.DecayPerEpoch);
        var batch = new BatchBuffers(task.Train, _options.BatchSize);
        var clock = Stopwatch.StartNew();
        for (int epoch = 0; epoch < _options.Epochs; epoch++)
        {
            ctx.Epoch = epoch;
            ctx.LearningRate = schedule.At(epoch);
            foreach (var h in _hooks) h.BeforeEpoch(ctx);
            double loss = RunEpoch(ctx, adam, batch, Shuffle(task.Train.Count, taskId, epoch));
            foreach (var h in _hooks) h.AfterEpoch(ctx);
            EpochCompleted?.Invoke(new EpochReport(taskId, task.Name, epoch, loss, ctx.LearningRate));
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;

        _model.EndTask(taskId);
        foreach (var h in _hooks) h.AfterTask(ctx);
        return (ctx.Step, trainSeconds);
    }

    /// <summary>One pass over the task's shuffled training data; returns the mean loss per batch.</summary>
    private double RunEpoch(TrainingContext ctx, Adam adam, BatchBuffers batch, int[] order)
    {
        double lossSum = 0;
        int batches = 0;
        for (int start = 0; start < order.Length; start += batch.Capacity)
        {
            int n = batch.Gather(order, start);
            ctx.Step++;
            ctx.BatchSize = n;
            CheckLabels(ctx, batch.Labels(n));
            foreach (var p in ctx.Parameters) p.ZeroGrad();
            _model.Forward(ctx.TaskId, batch.Images(n), n, batch.Logits(n));
            double loss = SoftmaxCrossEntropy.Forward<float>(batch.Logits(n), batch.Labels(n), batch.DLogits(n), n, batch.Classes);
            RequireFinite(ctx, loss, "cross-entropy loss");
            _model.Backward(ctx.TaskId, batch.DLogits(n), n);
            foreach (var h in _hooks) loss += h.AfterBackward(ctx);
            RequireFinite(ctx, loss, "total loss");
            RequireFiniteGradients(ctx);
            adam.Step(ctx.LearningRate);
            foreach (var h in _hooks) h.AfterStep(ctx);
            lossSum += loss;
            batches++;
        }
        return lossSum / batches;
    }

    // Fisher–Yates with a generator seeded by (seed, task, epoch): reproducible, independent per epoch.
    private int[] Shuffle(int count, int taskId, int epoch)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var rng = new Random(MixSeed(_options.Seed, taskId, epoch));
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    // SplitMix64 finaliser over the three ints (HashCode.Combine is randomised per process).
    private static int MixSeed(int seed, int taskId, int epoch)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)taskId * 0xBF58476D1CE4E5B9UL + (ulong)(uint)epoch * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    private void CheckShape(int taskId, TaskData task)
    {
        if (_model.InputShape is not { } shape) return;
        int[] sample = [task.Train.Channels, task.Train.Height, task.Train.Width];
        if (!shape.SequenceEqual(sample))
            throw new TrainingFailedException(taskId, task.Name, 0, 0, "input batch",
                $"samples are {string.Join("×", sample)} but the model takes {string.Join("×", shape)}");
    }

    private static void CheckLabels(TrainingContext ctx, ReadOnlySpan<int> labels)
    {
        int classes = ctx.TrainData!.Classes;
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new TrainingFailedException(ctx.TaskId, ctx.TaskName, ctx.Epoch, ctx.Step, "labels",
                    $"label {labels[i]} at batch position {i} is outside the task's {classes} classes");
    }

    private static void RequireFinite(TrainingContext ctx, double loss, string what)
    {
        if (!double.IsFinite(loss))
            throw new TrainingFailedException(ctx.TaskId, ctx.TaskName, ctx.Epoch, ctx.Step, what, $"is {loss}");
    }

    private static void RequireFiniteGradients(TrainingContext ctx)
    {
        foreach (var p in ctx.Parameters)
        {
            // MaxMagnitude propagates NaN and returns ∞ if any element is infinite.
            if (p.Length == 0 || float.IsFinite(TensorPrimitives.MaxMagnitude<float>(p.Grad))) continue;
            int at = Array.FindIndex(p.Grad, g => !float.IsFinite(g));
            throw new TrainingFailedException(ctx.TaskId, ctx.TaskName, ctx.Epoch, ctx.Step, $"gradient of '{p.Name}'",
                $"element {at} is {p.Grad[at]}");
        }
    }

    private void RequireKnownTask(int taskId)
    {
        if (taskId < 0 || taskId >= _model.TaskCount)
            throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"Unknown task id {taskId}: the model has learned tasks 0..{_model.TaskCount - 1}.");
    }

    /// <summary>Reusable per-task buffers: one gathered batch of samples, labels, logits and their gradient.</summary>
    private sealed class BatchBuffers(LabeledSet data, int capacity)
    {
        private readonly float[] _images = new float[capacity * data.SampleLength]; // (B, C, H, W)
        private readonly int[] _labels = new int[capacity];
        private readonly float[] _logits = new float[capacity * data.Classes];      // (B, classes)
        private readonly float[] _dLogits = new float[capacity * data.Classes];     // (B, classes)

        public int Capacity { get; } = capacity;
        public int Classes => data.Classes;

        public int Gather(int[] order, int start)
        {
            int n = Math.Min(Capacity, order.Length - start), len = data.SampleLength;
            for (int i = 0; i < n; i++)
            {
                int s = order[start + i];
                data.Sample(s).CopyTo(_images.AsSpan(i * len, len));
                _labels[i] = data.Labels[s];
            }
            return n;
        }

        public ReadOnlySpan<float> Images(int n) => _images.AsSpan(0, n * data.SampleLength);
        public ReadOnlySpan<int> Labels(int n) => _labels.AsSpan(0, n);
        public Span<float> Logits(int n) => _logits.AsSpan(0, n * data.Classes);
        public Span<float> DLogits(int n) => _dLogits.AsSpan(0, n * data.Classes);
    }
}
