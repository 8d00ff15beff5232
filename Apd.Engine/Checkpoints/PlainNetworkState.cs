// Export and restore of the parameters of plain multi-head networks (the baselines' building block):
// every parameter as a float32 tensor named "<prefix><parameter name>", checked by name and shape on restore.
using System.Globalization;
using Apd.Engine.Layers;

namespace Apd.Engine.Checkpoints;

internal static class PlainNetworkState
{
    public static void WriteArchitecture(ModelState state, NetworkArchitecture architecture, int seed, IEnumerable<int> taskClasses)
    {
        state.Properties["architecture"] = architecture.Name;
        state.Properties["input"] = string.Join(",", architecture.InputShape);
        state.Properties["seed"] = seed.ToString(CultureInfo.InvariantCulture);
        state.Properties["task_classes"] = string.Join(",", taskClasses);
    }

    public static (NetworkArchitecture Architecture, int Seed, int[] TaskClasses) ReadArchitecture(ModelState state)
    {
        int[] input = Ints(state, "input");
        if (input.Length != 3 || input.Any(d => d < 1)) throw new InvalidDataException($"property 'input' must be C,H,W, got '{state.Property("input")}'");
        NetworkArchitecture architecture;
        try
        {
            architecture = NetworkArchitecture.FromName(state.Property("architecture"), input[0], input[1], input[2]);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message);
        }
        int seed = Ints(state, "seed").Single();
        int[] classes = Ints(state, "task_classes");
        if (classes.Any(c => c < 1)) throw new InvalidDataException("property 'task_classes' holds a task with no class");
        return (architecture, seed, classes);
    }

    public static void Export(ModelState state, MultiHeadNetwork network, string prefix)
    {
        foreach (var p in network.Parameters) state.Add(NamedTensor.Of(prefix + p.Name, p.Shape, (float[])p.Value.Clone()));
    }

    public static void Restore(ModelState state, MultiHeadNetwork network, string prefix)
    {
        foreach (var p in network.Parameters)
        {
            var t = state.Tensor(prefix + p.Name);
            if (t.Floats is null || !t.Shape.SequenceEqual(p.Shape))
                throw new InvalidDataException($"tensor '{t.Name}' is [{string.Join(",", t.Shape)}]{(t.Floats is null ? " int32" : "")}, the network needs float32 [{string.Join(",", p.Shape)}]");
            t.Floats.CopyTo(p.Value, 0);
        }
    }

    public static int[] Ints(ModelState state, string property)
    {
        string text = state.Property(property);
        if (text.Length == 0) return [];
        var parts = text.Split(',');
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
                throw new InvalidDataException($"property '{property}' must be comma-separated integers, got '{text}'");
        return values;
    }
}
