// Everything needed to rebuild a trained continual model: what kind of model it is, string properties
// (architecture, seed, per-task classes, run history...) and named tensors (float32 values, float64
// running sums, or int32 indices, e.g. sparse τ). Models export to and restore from this; CheckpointFile stores it on disk.
namespace Apd.Engine.Checkpoints;

public sealed class NamedTensor
{
    private NamedTensor(string name, int[] shape, float[]? floats, int[]? ints, double[]? doubles)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            count *= d;
        }
        long length = floats?.LongLength ?? ints?.LongLength ?? doubles!.LongLength;
        if (count != length) throw new ArgumentException($"Tensor '{name}': shape [{string.Join(",", shape)}] holds {count} values, got {length}.");
        Name = name;
        Shape = (int[])shape.Clone();
        Floats = floats;
        Ints = ints;
        Doubles = doubles;
    }

    public static NamedTensor Of(string name, int[] shape, float[] values) => new(name, shape, values ?? throw new ArgumentNullException(nameof(values)), null, null);

    public static NamedTensor Of(string name, int[] shape, int[] values) => new(name, shape, null, values ?? throw new ArgumentNullException(nameof(values)), null);

    public static NamedTensor Of(string name, int[] shape, double[] values) => new(name, shape, null, null, values ?? throw new ArgumentNullException(nameof(values)));

    public string Name { get; }
    public int[] Shape { get; }

    /// <summary>Values of a float32 tensor (null otherwise).</summary>
    public float[]? Floats { get; }

    /// <summary>Values of an int32 tensor (null otherwise).</summary>
    public int[]? Ints { get; }

    /// <summary>Values of a float64 tensor (null otherwise).</summary>
    public double[]? Doubles { get; }

    public long Count => Floats?.LongLength ?? Ints?.LongLength ?? Doubles!.LongLength;
}

public sealed class ModelState
{
    private readonly Dictionary<string, NamedTensor> _tensors = new(StringComparer.Ordinal);
    private readonly List<string> _order = new();

    public ModelState(string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        Kind = kind;
    }

    /// <summary>Which model wrote the state (e.g. "finetune", "stl", "apd"); the reader dispatches on it.</summary>
    public string Kind { get; }

    public Dictionary<string, string> Properties { get; } = new(StringComparer.Ordinal);

    public IEnumerable<NamedTensor> Tensors => _order.Select(n => _tensors[n]);

    public int TensorCount => _order.Count;

    public void Add(NamedTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_tensors.TryAdd(tensor.Name, tensor)) throw new ArgumentException($"The state already holds a tensor named '{tensor.Name}'.");
        _order.Add(tensor.Name);
    }

    public NamedTensor Tensor(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"The {Kind} state has no tensor '{name}'.");

    public string Property(string name) =>
        Properties.TryGetValue(name, out var v) ? v : throw new InvalidDataException($"The {Kind} state has no property '{name}'.");
}
