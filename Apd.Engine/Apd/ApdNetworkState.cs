// Export and restore of an ApdNetwork between tasks (docs/checkpoints.md lists the tensors): σ per
// decomposed layer, per registered task its mask logits v, sparse τ (int32 indices + float32 values),
// consolidation group, biases and head; σ̃ per group; the forgotten task ids. Restore trusts nothing:
// sizes are bounded by the tensors the file already holds, every shape, index range and count is
// checked, and errors are InvalidDataException naming the tensor or property.
using System.Globalization;
using Apd.Engine.Checkpoints;
using Apd.Engine.Layers;

namespace Apd.Engine.Decomposition;

internal static class ApdNetworkState
{
    /// <summary>Task ids from this up are refused (a hostile id list would make thousands of heads).</summary>
    private const int MaxTaskId = 1 << 12;

    public static ModelState Export(ApdNetwork network)
    {
        var architecture = network.Architecture
            ?? throw new InvalidOperationException("this APD network was built from a custom layer builder; only networks built from a NetworkArchitecture can be saved");
        var tasks = network.Weights.Count > 0 ? network.Weights[0].TaskIds.ToArray() : network.LearnedTasks.ToArray();
        foreach (int t in tasks)
        {
            if (!network.IsLearned(t)) throw new InvalidOperationException($"task {t} is still being learned; an APD network is saved between tasks");
            foreach (var w in network.Weights)
                if (w.IsDense(t)) throw new InvalidOperationException($"{w.Name}: τ of task {t} is open (dense); an APD network is saved between tasks");
        }

        var state = new ModelState(ApdNetwork.Kind);
        PlainNetworkState.WriteArchitecture(state, architecture, network.Seed, tasks.Select(network.Classes));
        state.Properties["tasks"] = string.Join(",", tasks);
        state.Properties["forgotten"] = string.Join(",", network.ForgottenTasks);
        state.Properties["current_task"] = network.CurrentTask.ToString(CultureInfo.InvariantCulture);
        state.Properties["tau_init"] = network.Options.TauInit.ToString();
        state.Properties["mask_from_previous"] = network.Options.MaskFromPreviousTask ? "true" : "false";
        state.Add(NamedTensor.Of("apd.mask_logit_init", [1], [network.Options.MaskLogitInit]));

        foreach (var w in network.Weights)
        {
            state.Add(NamedTensor.Of($"apd.sigma/{w.Name}", w.Shape, (float[])w.Sigma.Value.Clone()));
            state.Add(NamedTensor.Of($"apd.group/{w.Name}", [tasks.Length], tasks.Select(w.GroupOf).ToArray()));
            foreach (int t in tasks)
            {
                state.Add(NamedTensor.Of($"apd.v/{w.Name}/{t}", [w.Channels], (float[])w.MaskLogits(t).Value.Clone()));
                AddSparse(state, $"apd.tau/{w.Name}/{t}", w.StoredTau(t));
            }
            int[] groups = [.. w.SharedByGroup.Keys.Order()];
            state.Add(NamedTensor.Of($"apd.shared_groups/{w.Name}", [groups.Length], groups));
            foreach (int g in groups) AddSparse(state, $"apd.shared/{w.Name}/{g}", w.SharedByGroup[g]);
        }
        foreach (var b in network.Factory.Biases)
            foreach (int t in tasks)
                state.Add(NamedTensor.Of($"apd.bias/{b.Name}/{t}", [b.Length], (float[])b.Of(t).Value.Clone()));
        foreach (int t in tasks)
            foreach (var p in network.Inner.Head(t).Parameters)
                state.Add(NamedTensor.Of($"apd.head/{p.Name}", p.Shape, (float[])p.Value.Clone()));
        return state;
    }

    public static ApdNetwork Restore(ModelState state)
    {
        if (state.Kind != ApdNetwork.Kind) throw new InvalidDataException($"a '{state.Kind}' checkpoint is not an {ApdNetwork.Kind} model");
        var (architecture, seed, classes) = PlainNetworkState.ReadArchitecture(state);
        int[] tasks = TaskIds(state, "tasks");
        int[] forgotten = TaskIds(state, "forgotten");
        if (classes.Length != tasks.Length) throw new InvalidDataException($"property 'task_classes' lists {classes.Length} task(s), property 'tasks' {tasks.Length}");
        if (tasks.Intersect(forgotten).FirstOrDefault(-1) is int both and >= 0) throw new InvalidDataException($"task {both} is both registered and forgotten");
        int current = PlainNetworkState.Ints(state, "current_task").SingleOrDefault(int.MinValue);
        if (current < -1 || current >= MaxTaskId) throw new InvalidDataException($"property 'current_task' must be −1 or a task id, got '{state.Property("current_task")}'");
        CheckSize(state, architecture);

        var options = new ApdNetworkOptions
        {
            TauInit = Enum.TryParse<TauInit>(state.Property("tau_init"), out var init) && Enum.IsDefined(init)
                ? init : throw new InvalidDataException($"property 'tau_init' is not a τ initialisation: '{state.Property("tau_init")}'"),
            MaskFromPreviousTask = state.Property("mask_from_previous") switch
            {
                "true" => true,
                "false" => false,
                var other => throw new InvalidDataException($"property 'mask_from_previous' must be true or false, got '{other}'"),
            },
            MaskLogitInit = Floats(state, "apd.mask_logit_init", [1])[0],
        };
        var network = new ApdNetwork(architecture, seed, options);

        foreach (var w in network.Weights) Floats(state, $"apd.sigma/{w.Name}", w.Shape).CopyTo(w.Sigma.Value, 0);
        var groups = network.Weights.ToDictionary(w => w, w => Ints(state, $"apd.group/{w.Name}", [tasks.Length]));
        int registered = 0;
        int last = Math.Max(tasks.LastOrDefault(-1), forgotten.LastOrDefault(-1));
        for (int t = 0; t <= last; t++)
        {
            if (forgotten.Contains(t))
            {
                network.RestoreForgotten(t);
                continue;
            }
            if (registered == tasks.Length || tasks[registered] != t) continue;
            var head = state.Tensor($"apd.head/head{t}.w");
            if (!head.Shape.SequenceEqual([architecture.FeatureSize, classes[registered]]))
                throw new InvalidDataException($"tensor '{head.Name}' is [{string.Join(",", head.Shape)}], task {t} needs [{architecture.FeatureSize},{classes[registered]}]");
            network.AddLearnedTask(t, classes[registered], w => (Floats(state, $"apd.v/{w.Name}/{t}", [w.Channels]), Sparse(state, $"apd.tau/{w.Name}/{t}", w.Length)));
            foreach (var w in network.Weights)
            {
                int group = groups[w][registered];
                if (group < -1) throw new InvalidDataException($"tensor 'apd.group/{w.Name}': group {group} of task {t} is negative");
                w.SetGroup(t, group);
            }
            foreach (var b in network.Factory.Biases) Floats(state, $"apd.bias/{b.Name}/{t}", b.Shape).CopyTo(b.Of(t).Value, 0);
            foreach (var p in network.Inner.Head(t).Parameters) Floats(state, $"apd.head/{p.Name}", p.Shape).CopyTo(p.Value, 0);
            registered++;
        }
        foreach (var w in network.Weights)
        {
            var shared = state.Tensor($"apd.shared_groups/{w.Name}");
            int[] ids = Ints(state, shared.Name, [(int)Math.Min(shared.Count, int.MaxValue)]);
            for (int k = 0; k < ids.Length; k++)
            {
                if (k > 0 && ids[k] <= ids[k - 1]) throw new InvalidDataException($"tensor '{shared.Name}': group ids must be increasing, {ids[k]} follows {ids[k - 1]}");
                if (ids[k] < 0) throw new InvalidDataException($"tensor '{shared.Name}': group id {ids[k]} is negative");
                w.SetShared(ids[k], Sparse(state, $"apd.shared/{w.Name}/{ids[k]}", w.Length));
            }
        }
        network.RestoreCurrentTask(current);
        return network;
    }

    private static void AddSparse(ModelState state, string name, SparseTau tau)
    {
        state.Add(NamedTensor.Of(name + "/indices", [tau.NonZeros], (int[])tau.Indices.Clone()));
        state.Add(NamedTensor.Of(name + "/values", [tau.NonZeros], (float[])tau.Values.Clone()));
    }

    private static SparseTau Sparse(ModelState state, string name, int length)
    {
        var indices = state.Tensor(name + "/indices");
        if (indices.Ints is null || indices.Shape.Length != 1) throw new InvalidDataException($"tensor '{indices.Name}' must be a rank-1 int32 tensor");
        if (indices.Count > length) throw new InvalidDataException($"tensor '{indices.Name}' holds {indices.Count} indices, the layer has only {length} entries");
        int[] idx = indices.Ints;
        for (int k = 0; k < idx.Length; k++)
        {
            if ((uint)idx[k] >= (uint)length) throw new InvalidDataException($"tensor '{indices.Name}': index {idx[k]} at position {k} is outside 0..{length - 1}");
            if (k > 0 && idx[k] <= idx[k - 1]) throw new InvalidDataException($"tensor '{indices.Name}': indices must be strictly increasing, {idx[k]} follows {idx[k - 1]} at position {k}");
        }
        var values = Floats(state, name + "/values", indices.Shape);
        return new SparseTau(length, (int[])idx.Clone(), (float[])values.Clone());
    }

    private static float[] Floats(ModelState state, string name, int[] shape)
    {
        var t = state.Tensor(name);
        if (t.Floats is null || !t.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"tensor '{name}' is [{string.Join(",", t.Shape)}]{(t.Floats is null ? " (not float32)" : "")}, the network needs float32 [{string.Join(",", shape)}]");
        return t.Floats;
    }

    private static int[] Ints(ModelState state, string name, int[] shape)
    {
        var t = state.Tensor(name);
        if (t.Ints is null || !t.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"tensor '{name}' is [{string.Join(",", t.Shape)}]{(t.Ints is null ? " (not int32)" : "")}, the network needs int32 [{string.Join(",", shape)}]");
        return t.Ints;
    }

    private static int[] TaskIds(ModelState state, string property)
    {
        int[] ids = PlainNetworkState.Ints(state, property);
        for (int k = 0; k < ids.Length; k++)
            if (ids[k] < 0 || ids[k] >= MaxTaskId || (k > 0 && ids[k] <= ids[k - 1]))
                throw new InvalidDataException($"property '{property}' must list increasing task ids in 0..{MaxTaskId - 1}, got '{state.Property(property)}'");
        return ids;
    }

    /// <summary>Refuses an architecture whose σ would exceed the float32 values the state holds, before anything is allocated.</summary>
    private static void CheckSize(ModelState state, NetworkArchitecture architecture)
    {
        long available = state.Tensors.Where(t => t.Floats is not null).Sum(t => t.Count);
        double needed = WeightCount(architecture);
        if (needed > available)
            throw new InvalidDataException($"architecture '{architecture.Name}' for input [{string.Join(",", architecture.InputShape)}] needs {needed:G6} σ values, the state holds only {available} float32 values");
    }

    /// <summary>Number of decomposed weights (σ entries) of the architectures NetworkArchitecture.FromName knows, computed
    /// without building them (in double: hostile sizes must not overflow).</summary>
    private static double WeightCount(NetworkArchitecture architecture)
    {
        int[] input = architecture.InputShape;
        double c = input[0], h = input[1], w = input[2];
        if (architecture.Name == "lenet")
            return c * 20 * 25 + 20 * 50 * 25 + 50 * Math.Ceiling(h / 4) * Math.Ceiling(w / 4) * 800 + 800.0 * LeNet.FeatureSize;
        double features = c * h * w, total = 0;
        foreach (string part in architecture.Name["mlp-".Length..].Split('-'))
        {
            double hidden = int.Parse(part, CultureInfo.InvariantCulture);
            total += features * hidden;
            features = hidden;
        }
        return total;
    }
}
