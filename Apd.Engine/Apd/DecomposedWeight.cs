// One layer's decomposed weight: shared σ, and per learned task i a mask logit vector v_i (one per
// output channel), adaptive weights τ_i and optionally a locally shared σ̃_g of its consolidation
// group: θ_i = σ ⊙ sigmoid(v_i) + σ̃_g + τ_i. The task being learned keeps τ dense (a Parameter);
// sealed tasks keep τ_i sparse (SparseTau). Forget(i) drops v_i and τ_i and touches nothing else.
using Apd.Engine.Tensors;

namespace Apd.Engine.Decomposition;

public sealed class DecomposedWeight
{
    private readonly SortedDictionary<int, TaskWeights> _tasks = new();
    private readonly Dictionary<int, SparseTau> _shared = new();

    public DecomposedWeight(string name, int[] shape, int channelAxis)
    {
        Name = name;
        Shape = (int[])shape.Clone();
        ChannelAxis = channelAxis;
        Geometry = DecompositionGeometry.FromShape(shape, channelAxis);
        Sigma = new Parameter(name + ".sigma", shape);
    }

    public string Name { get; }
    public int[] Shape { get; }
    public int ChannelAxis { get; }
    public DecompositionGeometry Geometry { get; }
    public int Length => Geometry.Length;
    public int Channels => Geometry.Channels;
    public Parameter Sigma { get; }

    public IEnumerable<int> TaskIds => _tasks.Keys;
    public bool HasTask(int taskId) => _tasks.ContainsKey(taskId);

    /// <summary>Locally shared σ̃ per consolidation group.</summary>
    public IReadOnlyDictionary<int, SparseTau> SharedByGroup => _shared;

    public void AddTask(int taskId, TauInit tauInit, float maskLogitInit)
    {
        if (_tasks.ContainsKey(taskId)) throw new InvalidOperationException($"{Name}: task {taskId} is already registered");
        var v = new Parameter($"{Name}.v[{taskId}]", Channels);
        Array.Fill(v.Value, maskLogitInit);
        var tau = new Parameter($"{Name}.tau[{taskId}]", Shape);
        if (tauInit == TauInit.CopyOfSigma) Sigma.Value.CopyTo(tau.Value, 0);
        _tasks[taskId] = new TaskWeights(v) { DenseTau = tau };
    }

    /// <summary>Registers an already learned task from its mask logits and sparse τ (loading, synthetic benchmarks).</summary>
    public void AddSealedTask(int taskId, ReadOnlySpan<float> maskLogits, SparseTau tau)
    {
        if (_tasks.ContainsKey(taskId)) throw new InvalidOperationException($"{Name}: task {taskId} is already registered");
        if (maskLogits.Length != Channels) throw new ArgumentException($"{Name}: {maskLogits.Length} mask logits, expected {Channels}");
        if (tau.Length != Length) throw new ArgumentException($"{Name}: τ has {tau.Length} elements, expected {Length}");
        var v = new Parameter($"{Name}.v[{taskId}]", Channels);
        maskLogits.CopyTo(v.Value);
        _tasks[taskId] = new TaskWeights(v) { StoredTau = tau };
    }

    /// <summary>The mask logits v_i (a Parameter so that the authors' "train old masks" option can step them).</summary>
    public Parameter MaskLogits(int taskId) => Slot(taskId).MaskLogits;

    /// <summary>The dense τ of a task being learned (or of an old task opened for joint retroactive training).</summary>
    public Parameter DenseTau(int taskId) => Slot(taskId).DenseTau ?? throw new InvalidOperationException($"{Name}: task {taskId} is sealed; its τ is stored sparse");

    public bool IsDense(int taskId) => Slot(taskId).DenseTau is not null;

    public SparseTau StoredTau(int taskId) => Slot(taskId).StoredTau ?? SparseTau.FromDense(DenseTau(taskId).Value);

    public int GroupOf(int taskId) => Slot(taskId).Group;

    /// <summary>Stores τ_i sparse (exact non-zeros) and releases the dense copy.</summary>
    public void Seal(int taskId)
    {
        var s = Slot(taskId);
        if (s.DenseTau is null) return;
        s.StoredTau = SparseTau.FromDense(s.DenseTau.Value);
        s.DenseTau = null;
    }

    /// <summary>Re-opens a sealed τ_i as a dense Parameter (joint retroactive form).</summary>
    public Parameter Unseal(int taskId)
    {
        var s = Slot(taskId);
        if (s.DenseTau is not null) return s.DenseTau;
        var p = new Parameter($"{Name}.tau[{taskId}]", Shape);
        s.StoredTau!.CopyTo(p.Value);
        s.DenseTau = p;
        s.StoredTau = null;
        return p;
    }

    public void ReplaceStoredTau(int taskId, SparseTau tau)
    {
        if (tau.Length != Length) throw new ArgumentException($"{Name}: τ has {tau.Length} elements, expected {Length}");
        var s = Slot(taskId);
        if (s.DenseTau is not null) throw new InvalidOperationException($"{Name}: task {taskId} is not sealed");
        s.StoredTau = tau;
    }

    public void SetGroup(int taskId, int group) => Slot(taskId).Group = group;

    public void SetShared(int group, SparseTau? shared)
    {
        if (shared is null) _shared.Remove(group);
        else if (shared.Length != Length) throw new ArgumentException($"{Name}: σ̃ has {shared.Length} elements, expected {Length}");
        else _shared[group] = shared;
    }

    public void Forget(int taskId)
    {
        if (!_tasks.Remove(taskId)) throw new KeyNotFoundException($"{Name}: unknown task {taskId}");
    }

    /// <summary>Adds the task-specific part of a learned task, τ_i + σ̃_g(i), into <paramref name="y"/>.</summary>
    public void AddTaskSpecific(int taskId, Span<float> y)
    {
        var s = Slot(taskId);
        if (s.DenseTau is not null)
            System.Numerics.Tensors.TensorPrimitives.Add(y, s.DenseTau.Value, y);
        else
            s.StoredTau!.AddTo(y);
        if (s.Group >= 0 && _shared.TryGetValue(s.Group, out var shared)) shared.AddTo(y);
    }

    /// <summary>M_i = sigmoid(v_i) into <paramref name="mask"/> (length Channels).</summary>
    public void Mask(int taskId, Span<float> mask) => ApdCompose.Mask<float>(Slot(taskId).MaskLogits.Value, mask);

    /// <summary>θ_i = σ ⊙ M_i + σ̃_g + τ_i for any registered task.</summary>
    public void ComposeTheta(int taskId, Span<float> theta)
    {
        var s = Slot(taskId);
        Span<float> mask = Channels <= 1024 ? stackalloc float[Channels] : new float[Channels];
        ApdCompose.Mask<float>(s.MaskLogits.Value, mask);
        if (s.DenseTau is not null)
            ApdCompose.Forward<float>(Sigma.Value, mask, s.DenseTau.Value, theta, Geometry);
        else
        {
            ApdCompose.ForwardShared<float>(Sigma.Value, mask, theta, Geometry);
            s.StoredTau!.AddTo(theta);
        }
        if (s.Group >= 0 && _shared.TryGetValue(s.Group, out var shared)) shared.AddTo(theta);
    }

    /// <summary>From dL/dθ_t of a task being learned: σ.Grad += dθ ⊙ M, v.Grad += Σ dθ ⊙ σ ⊙ M(1−M), τ.Grad += dθ.</summary>
    public void BackwardTheta(int taskId, ReadOnlySpan<float> dTheta)
    {
        var s = Slot(taskId);
        var tau = s.DenseTau ?? throw new InvalidOperationException($"{Name}: task {taskId} is sealed and cannot be trained");
        Span<float> mask = Channels <= 1024 ? stackalloc float[Channels] : new float[Channels];
        ApdCompose.Mask<float>(s.MaskLogits.Value, mask);
        ApdCompose.Backward<float>(Sigma.Value, mask, dTheta, Sigma.Grad, s.MaskLogits.Grad, tau.Grad, Geometry);
    }

    /// <summary>Non-zeros of τ_i (dense or sparse).</summary>
    public int TauNonZeros(int taskId)
    {
        var s = Slot(taskId);
        return s.DenseTau is not null ? SparseTau.CountNonZeros(s.DenseTau.Value) : s.StoredTau!.NonZeros;
    }

    public int SharedNonZeros() => _shared.Values.Sum(t => t.NonZeros);

    private TaskWeights Slot(int taskId)
        => _tasks.TryGetValue(taskId, out var s) ? s : throw new KeyNotFoundException($"{Name}: unknown task id {taskId}");

    private sealed class TaskWeights(Parameter maskLogits)
    {
        public Parameter MaskLogits { get; } = maskLogits;
        public Parameter? DenseTau { get; set; }
        public SparseTau? StoredTau { get; set; }
        public int Group { get; set; } = -1;
    }
}
