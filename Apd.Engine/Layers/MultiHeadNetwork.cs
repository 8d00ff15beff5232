// A shared trunk of layers and one head layer per task: logits_t = head_t(trunk(x)).
// Training keeps every activation of the last Forward (one training pass at a time); Predict rents its
// activations from the array pool per call and uses only ILayer.Infer, so concurrent Predicts are safe.
// Predictions of up to SerialPredictMaxBatch samples run on the calling thread alone: waking other
// threads costs more than it saves at that size, and far more when the machine is busy.
using System.Buffers;
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;
using Apd.Engine.Training;

namespace Apd.Engine.Layers;

public sealed class MultiHeadNetwork : IContinualModel
{
    private readonly ILayer[] _trunk;
    private readonly Func<int, int, ILayer> _headFactory;
    private readonly List<ILayer?> _heads = new();
    private float[][] _activations; // [0] the input, [i + 1] the output of trunk layer i
    private float[] _gradA = [], _gradB = [];
    private int _lastBatch = -1, _lastTask = -1;
    private readonly int _largestOutput;

    /// <param name="trunk">Shared layers, each consuming the previous one's output.</param>
    /// <param name="headFactory">(taskId, classes) → the task's head, taking the trunk's output.</param>
    public MultiHeadNetwork(IReadOnlyList<ILayer> trunk, Func<int, int, ILayer> headFactory)
    {
        if (trunk.Count == 0) throw new ArgumentException("The trunk needs at least one layer.", nameof(trunk));
        for (int i = 1; i < trunk.Count; i++)
            if (trunk[i].InputSize != trunk[i - 1].OutputSize)
                throw new ArgumentException($"Layer {trunk[i].Name} takes {trunk[i].InputSize} values but {trunk[i - 1].Name} gives {trunk[i - 1].OutputSize}.");
        _trunk = [.. trunk];
        _headFactory = headFactory;
        _largestOutput = _trunk.Max(l => l.OutputSize);
        _activations = new float[_trunk.Length + 1][];
        for (int i = 0; i < _activations.Length; i++) _activations[i] = [];
    }

    public IReadOnlyList<ILayer> Trunk => _trunk;
    public int InputSize => _trunk[0].InputSize;
    public int FeatureSize => _trunk[^1].OutputSize;
    public int TaskCount => _heads.Count;

    public ILayer Head(int taskId) => _heads[taskId] ?? throw new InvalidOperationException($"Task {taskId} has no head.");

    public int Classes(int taskId) => Head(taskId).OutputSize;

    public void BeginTask(int taskId, int classes)
    {
        while (_heads.Count <= taskId) _heads.Add(null);
        if (_heads[taskId] is not null) return;
        var head = _headFactory(taskId, classes);
        if (head.InputSize != FeatureSize || head.OutputSize != classes)
            throw new ArgumentException($"Head of task {taskId} maps {head.InputSize}→{head.OutputSize}, expected {FeatureSize}→{classes}.");
        _heads[taskId] = head;
    }

    public void EndTask(int taskId)
    {
    }

    /// <summary>Drops the head of a task (selective forgetting); its id stays reserved.</summary>
    public void RemoveHead(int taskId) => _heads[taskId] = null;

    /// <summary>Every parameter of the trunk and of every head.</summary>
    public IReadOnlyList<Parameter> Parameters =>
        [.. _trunk.SelectMany(l => l.Parameters).Distinct(), .. _heads.Where(h => h is not null).SelectMany(h => h!.Parameters)];

    public IReadOnlyList<Parameter> TrainableParameters(int taskId) =>
        [.. _trunk.SelectMany(l => l.TrainableParameters(taskId)).Distinct(), .. Head(taskId).TrainableParameters(taskId)];

    public void Forward(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits)
    {
        var head = Head(taskId);
        CheckIo(x.Length, batch, logits.Length, head);
        var pass = new LayerPass(taskId, batch);
        Ensure(ref _activations[0], batch * InputSize);
        x.CopyTo(_activations[0]);
        for (int i = 0; i < _trunk.Length; i++)
        {
            Ensure(ref _activations[i + 1], batch * _trunk[i].OutputSize);
            _trunk[i].Forward(pass, _activations[i].AsSpan(0, batch * _trunk[i].InputSize), _activations[i + 1].AsSpan(0, batch * _trunk[i].OutputSize));
        }
        head.Forward(pass, _activations[^1].AsSpan(0, batch * FeatureSize), logits);
        _lastBatch = batch;
        _lastTask = taskId;
    }

    /// <summary>Backward from dL/dlogits of the last Forward; accumulates into parameter gradients.
    /// The first layer's input gradient is not computed.</summary>
    public void Backward(int taskId, ReadOnlySpan<float> dLogits, int batch)
    {
        if (batch != _lastBatch || taskId != _lastTask) throw new InvalidOperationException("Backward must follow a Forward with the same task and batch.");
        var head = Head(taskId);
        var pass = new LayerPass(taskId, batch);
        int largest = _largestOutput * batch;
        Ensure(ref _gradA, largest);
        Ensure(ref _gradB, largest);
        ReadOnlySpan<float> features = _activations[^1].AsSpan(0, batch * FeatureSize);
        Span<float> dFeatures = _gradA.AsSpan(0, batch * FeatureSize);
        head.Backward(pass, features, ReadOnlySpan<float>.Empty, dLogits, dFeatures);
        float[] dy = _gradA, dx = _gradB;
        for (int i = _trunk.Length - 1; i >= 0; i--)
        {
            var layer = _trunk[i];
            Span<float> dxSpan = i == 0 ? Span<float>.Empty : dx.AsSpan(0, batch * layer.InputSize);
            layer.Backward(pass, _activations[i].AsSpan(0, batch * layer.InputSize), _activations[i + 1].AsSpan(0, batch * layer.OutputSize),
                dy.AsSpan(0, batch * layer.OutputSize), dxSpan);
            (dy, dx) = (dx, dy);
        }
    }

    /// <summary>Predictions of at most this many samples stay on the calling thread (default 4).</summary>
    public static int SerialPredictMaxBatch { get; set; } = 4;

    public void Predict(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits)
    {
        var head = Head(taskId);
        CheckIo(x.Length, batch, logits.Length, head);
        var pass = new LayerPass(taskId, batch);
        bool outer = BlasGemm.SerialOnThisThread;
        if (batch <= SerialPredictMaxBatch) BlasGemm.SerialOnThisThread = true;
        try
        {
            PredictLayers(head, pass, x, logits);
        }
        finally
        {
            BlasGemm.SerialOnThisThread = outer;
        }
    }

    private void PredictLayers(ILayer head, LayerPass pass, ReadOnlySpan<float> x, Span<float> logits)
    {
        int batch = pass.Batch;
        var pool = ArrayPool<float>.Shared;
        int largest = _largestOutput * batch;
        float[] a = pool.Rent(largest), b = pool.Rent(largest);
        try
        {
            ReadOnlySpan<float> input = x;
            float[] output = a;
            foreach (var layer in _trunk)
            {
                Span<float> y = output.AsSpan(0, batch * layer.OutputSize);
                layer.Infer(pass, input, y);
                input = y;
                output = output == a ? b : a;
            }
            head.Infer(pass, input, logits);
        }
        finally
        {
            pool.Return(a);
            pool.Return(b);
        }
    }

    private void CheckIo(int x, int batch, int logits, ILayer head)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), "batch must be positive");
        if (x != batch * InputSize) throw new ArgumentException($"x has {x} values, batch {batch} needs {batch * InputSize}.");
        if (logits != batch * head.OutputSize) throw new ArgumentException($"logits has {logits} values, batch {batch} needs {batch * head.OutputSize}.");
    }

    private static void Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }
}
