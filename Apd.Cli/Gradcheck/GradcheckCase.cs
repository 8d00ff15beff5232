// One case of an `apd-gradcheck/1` file (see ../shared/gradcheck/FORMAT.md): an op, its attributes,
// named input tensors, the expected outputs and gradients, and the tolerance |got − expected| ≤ abs + rel·|expected|.
using System.Globalization;
using System.Text.Json;

namespace Apd.Cli.Gradcheck;

/// <summary>A tensor of the format: shape and row-major data.</summary>
public sealed record GradTensor(int[] Shape, double[] Data)
{
    public static GradTensor FromFloats(int[] shape, ReadOnlySpan<float> data)
    {
        var d = new double[data.Length];
        for (int i = 0; i < d.Length; i++) d[i] = data[i];
        return new GradTensor(shape, d);
    }

    public float[] ToFloats()
    {
        var f = new float[Data.Length];
        for (int i = 0; i < f.Length; i++) f[i] = (float)Data[i];
        return f;
    }

    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}

public sealed class GradcheckCase
{
    public required string Name { get; init; }
    public required string Op { get; init; }
    public required JsonElement Attrs { get; init; }
    public required IReadOnlyDictionary<string, GradTensor> Inputs { get; init; }
    public required IReadOnlyDictionary<string, GradTensor> Expected { get; init; }
    public double AbsTolerance { get; init; }
    public double RelTolerance { get; init; }

    public GradTensor Input(string name) =>
        Inputs.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"case '{Name}': input '{name}' is missing");

    /// <summary>The input as float32 values, checking that its shape has the expected rank.</summary>
    public float[] Floats(string name, int rank)
    {
        var t = Input(name);
        if (rank >= 0 && t.Shape.Length != rank) throw new InvalidDataException($"case '{Name}': input '{name}' has shape {t.ShapeText}, expected rank {rank}");
        return t.ToFloats();
    }

    public int[] IntArray(string attr, int length)
    {
        if (Attrs.ValueKind != JsonValueKind.Object || !Attrs.TryGetProperty(attr, out var a))
            throw new InvalidDataException($"case '{Name}': attribute '{attr}' is missing");
        int[] values = a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [a.GetInt32()];
        if (values.Length == 1 && length > 1) values = Enumerable.Repeat(values[0], length).ToArray();
        if (values.Length != length) throw new InvalidDataException($"case '{Name}': attribute '{attr}' needs {length} values, has {values.Length}");
        return values;
    }

    public double Number(string attr)
    {
        if (Attrs.ValueKind != JsonValueKind.Object || !Attrs.TryGetProperty(attr, out var a))
            throw new InvalidDataException($"case '{Name}': attribute '{attr}' is missing");
        return a.GetDouble();
    }

    public double Number(string attr, double fallback) =>
        Attrs.ValueKind == JsonValueKind.Object && Attrs.TryGetProperty(attr, out var a) ? a.GetDouble() : fallback;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Op})");
}
