// Reads an `apd-gradcheck/1` JSON file into cases.
using System.Text.Json;

namespace Apd.Cli.Gradcheck;

public static class GradcheckFile
{
    public const string Format = "apd-gradcheck/1";

    public static IReadOnlyList<GradcheckCase> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"cases file not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    public static IReadOnlyList<GradcheckCase> Parse(Stream stream, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (!root.TryGetProperty("format", out var format) || format.GetString() != Format)
                throw new InvalidDataException($"{source}: expected \"format\": \"{Format}\"");
            if (!root.TryGetProperty("cases", out var cases) || cases.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{source}: \"cases\" must be an array");
            var result = new List<GradcheckCase>();
            int index = 0;
            foreach (var c in cases.EnumerateArray())
            {
                string name = c.TryGetProperty("name", out var n) ? n.GetString() ?? $"case {index}" : $"case {index}";
                if (!c.TryGetProperty("op", out var op) || op.GetString() is not { } opName)
                    throw new InvalidDataException($"{source}: case '{name}' has no op");
                double abs = 1e-4, rel = 1e-3;
                if (c.TryGetProperty("tolerance", out var tol))
                {
                    if (tol.TryGetProperty("abs", out var a)) abs = a.GetDouble();
                    if (tol.TryGetProperty("rel", out var r)) rel = r.GetDouble();
                }
                result.Add(new GradcheckCase
                {
                    Name = name,
                    Op = opName,
                    Attrs = c.TryGetProperty("attrs", out var attrs) ? attrs.Clone() : default,
                    Inputs = Tensors(c, "inputs", name, source),
                    Expected = Tensors(c, "expected", name, source),
                    AbsTolerance = abs,
                    RelTolerance = rel,
                });
                index++;
            }
            return result;
        }
    }

    private static Dictionary<string, GradTensor> Tensors(JsonElement c, string property, string name, string source)
    {
        var map = new Dictionary<string, GradTensor>(StringComparer.Ordinal);
        if (!c.TryGetProperty(property, out var obj) || obj.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: case '{name}' has no \"{property}\" object");
        foreach (var p in obj.EnumerateObject())
        {
            int[] shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            double[] data = p.Value.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            long size = shape.Aggregate(1L, (acc, d) => acc * d);
            if (size != data.Length)
                throw new InvalidDataException($"{source}: case '{name}', {property}.{p.Name}: shape [{string.Join(",", shape)}] holds {size} values, data has {data.Length}");
            map[p.Name] = new GradTensor(shape, data);
        }
        return map;
    }
}
