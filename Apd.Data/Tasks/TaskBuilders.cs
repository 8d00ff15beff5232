// Builders that turn a dataset into continual-learning tasks: class-group splits (labels remapped
// to 0..n−1 within a task), seeded pixel permutations, bilinear rotations, seeded subsets and a
// stratified validation split. Every random choice draws from SeededRandom: same seed ⇒ same tasks.
using Apd.Engine.Tensors;

namespace Apd.Data.Tasks;

public static class TaskBuilders
{
    /// <summary>
    /// The items whose label is in <paramref name="classes"/>, relabelled to the position of their class
    /// in that list (classes[j] ↦ j), keeping the dataset's item order.
    /// </summary>
    public static LabeledSet SelectClasses(LabeledSet data, IReadOnlyList<int> classes)
    {
        var map = new int[data.Classes];
        Array.Fill(map, -1);
        for (int j = 0; j < classes.Count; j++)
        {
            int c = classes[j];
            if ((uint)c >= (uint)data.Classes) throw new ArgumentOutOfRangeException(nameof(classes), $"class {c} is outside 0..{data.Classes - 1}");
            if (map[c] >= 0) throw new ArgumentException($"class {c} is listed twice", nameof(classes));
            map[c] = j;
        }
        var keep = new List<int>();
        for (int i = 0; i < data.Count; i++)
            if (map[data.Labels[i]] >= 0) keep.Add(i);
        var picked = data.Select(keep.ToArray());
        var labels = picked.Labels;
        for (int i = 0; i < labels.Length; i++) labels[i] = map[labels[i]];
        return new LabeledSet(picked.Images, labels, classes: classes.Count, channels: data.Channels, height: data.Height, width: data.Width);
    }

    /// <summary>Items whose <paramref name="groupOf"/> value equals <paramref name="group"/>, with labels
    /// remapped by the order of <paramref name="classes"/> (used for CIFAR-100 superclasses).</summary>
    public static LabeledSet SelectGroup(LabeledSet data, int[] groupOf, int group, IReadOnlyList<int> classes)
    {
        if (groupOf.Length != data.Count) throw new ArgumentException($"{groupOf.Length} group labels for {data.Count} items", nameof(groupOf));
        var map = new int[data.Classes];
        Array.Fill(map, -1);
        for (int j = 0; j < classes.Count; j++) map[classes[j]] = j;
        var keep = new List<int>();
        for (int i = 0; i < data.Count; i++)
        {
            if (groupOf[i] != group) continue;
            if (map[data.Labels[i]] < 0)
                throw new ArgumentException($"item {i} is in group {group} but its class {data.Labels[i]} is not among that group's classes", nameof(classes));
            keep.Add(i);
        }
        var picked = data.Select(keep.ToArray());
        var labels = picked.Labels;
        for (int i = 0; i < labels.Length; i++) labels[i] = map[labels[i]];
        return new LabeledSet(picked.Images, labels, classes: classes.Count, channels: data.Channels, height: data.Height, width: data.Width);
    }

    /// <summary>The first <paramref name="count"/> items after a seeded shuffle (all items, shuffled, when count is null).</summary>
    public static LabeledSet SeededSubset(LabeledSet data, int? count, int seed, ulong stream)
    {
        if (count is < 0) throw new ArgumentOutOfRangeException(nameof(count), $"subset size must be non-negative, got {count}");
        var order = new SeededRandom(seed, stream).Permutation(data.Count);
        int n = Math.Min(count ?? data.Count, data.Count);
        return data.Select(order.AsSpan(0, n));
    }

    /// <summary>
    /// Moves round(fraction · n_c) seeded-random items of every class c into the second set
    /// (stratified), keeping the rest, each in their original relative order.
    /// </summary>
    public static (LabeledSet Train, LabeledSet Validation) StratifiedSplit(LabeledSet data, double fraction, int seed, ulong stream)
    {
        if (fraction is < 0 or >= 1 || double.IsNaN(fraction))
            throw new ArgumentOutOfRangeException(nameof(fraction), $"validation fraction must be in [0, 1), got {fraction}");
        var rng = new SeededRandom(seed, stream);
        var held = new bool[data.Count];
        for (int c = 0; c < data.Classes; c++)
        {
            var members = new List<int>();
            for (int i = 0; i < data.Count; i++)
                if (data.Labels[i] == c) members.Add(i);
            var m = members.ToArray();
            rng.Shuffle(m);
            int take = (int)Math.Round(fraction * m.Length, MidpointRounding.AwayFromZero);
            for (int k = 0; k < take; k++) held[m[k]] = true;
        }
        var train = new List<int>();
        var validation = new List<int>();
        for (int i = 0; i < data.Count; i++) (held[i] ? validation : train).Add(i);
        return (data.Select(train.ToArray()), data.Select(validation.ToArray()));
    }

    /// <summary>dst[c, p] = src[c, permutation[p]] for every image and channel; permutation over H·W pixels.</summary>
    public static LabeledSet PermutePixels(LabeledSet data, ReadOnlySpan<int> permutation)
    {
        int plane = data.Height * data.Width;
        if (permutation.Length != plane) throw new ArgumentException($"permutation has {permutation.Length} entries, an image plane has {plane}", nameof(permutation));
        var map = permutation.ToArray();
        var seen = new bool[plane];
        foreach (int v in map)
        {
            if ((uint)v >= (uint)plane || seen[v]) throw new ArgumentException($"not a permutation of 0..{plane - 1}: {v} is out of range or repeated", nameof(permutation));
            seen[v] = true;
        }
        var result = new float[data.Images.Length];
        var src = data.Images;
        ForEachPlaneRange(data.Count * data.Channels, (first, end) =>
        {
            for (int q = first; q < end; q++)
            {
                var s = src.AsSpan(q * plane, plane);
                var d = result.AsSpan(q * plane, plane);
                for (int p = 0; p < plane; p++) d[p] = s[map[p]];
            }
        });
        return new LabeledSet(result, (int[])data.Labels.Clone(), classes: data.Classes, channels: data.Channels, height: data.Height, width: data.Width);
    }

    /// <summary>
    /// Rotates every image by <paramref name="degrees"/> counter-clockwise about the image centre
    /// ((W−1)/2, (H−1)/2), sampling the source bilinearly; pixels that map outside the source are 0.
    /// Output (x, y) reads source (cx + cosθ·dx − sinθ·dy, cy + sinθ·dx + cosθ·dy) with dx = x − cx,
    /// dy = y − cy; with y growing downwards this turns the picture counter-clockwise as displayed
    /// (at 90° the top edge becomes the left edge).
    /// </summary>
    public static LabeledSet Rotate(LabeledSet data, double degrees)
    {
        int h = data.Height, w = data.Width, plane = h * w;
        double theta = degrees * Math.PI / 180.0;
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
        // Precompute per output pixel the four source indices and bilinear weights; a tap outside the
        // source gets index 0 and weight 0, so the sampling loop has no branch.
        var index = new int[plane * 4];
        var weight = new float[plane * 4];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double dx = x - cx, dy = y - cy;
                double sx = cx + cos * dx - sin * dy;
                double sy = cy + sin * dx + cos * dy;
                int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
                double fx = sx - x0, fy = sy - y0;
                int o = (y * w + x) * 4;
                SetTap(index, weight, o + 0, x0, y0, (1 - fx) * (1 - fy), w, h);
                SetTap(index, weight, o + 1, x0 + 1, y0, fx * (1 - fy), w, h);
                SetTap(index, weight, o + 2, x0, y0 + 1, (1 - fx) * fy, w, h);
                SetTap(index, weight, o + 3, x0 + 1, y0 + 1, fx * fy, w, h);
            }
        }
        var result = new float[data.Images.Length];
        var src = data.Images;
        ForEachPlaneRange(data.Count * data.Channels, (first, end) =>
        {
            for (int q = first; q < end; q++)
            {
                var s = src.AsSpan(q * plane, plane);
                var d = result.AsSpan(q * plane, plane);
                for (int p = 0; p < plane; p++)
                {
                    int o = p * 4;
                    d[p] = 0f + weight[o] * s[index[o]] + weight[o + 1] * s[index[o + 1]] + weight[o + 2] * s[index[o + 2]] + weight[o + 3] * s[index[o + 3]];
                }
            }
        });
        return new LabeledSet(result, (int[])data.Labels.Clone(), classes: data.Classes, channels: data.Channels, height: data.Height, width: data.Width);
    }

    /// <summary>Runs body(first, end) over [0, planes) in chunks, in parallel; each plane is written by one chunk only,
    /// so the result does not depend on scheduling.</summary>
    private static void ForEachPlaneRange(int planes, Action<int, int> body)
    {
        const int chunk = 512;
        int chunks = (planes + chunk - 1) / chunk;
        Parallel.For(0, chunks, c => body(c * chunk, Math.Min(planes, (c + 1) * chunk)));
    }

    private static void SetTap(int[] index, float[] weight, int slot, int x, int y, double wgt, int w, int h)
    {
        bool inside = (uint)x < (uint)w && (uint)y < (uint)h && wgt > 0;
        index[slot] = inside ? y * w + x : 0;
        weight[slot] = inside ? (float)wgt : 0f;
    }

    /// <summary>x ← (x − mean_c) / std_c in place, per channel.</summary>
    public static void Standardize(LabeledSet data, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (mean.Count != data.Channels || std.Count != data.Channels)
            throw new ArgumentException($"mean/std need {data.Channels} values (one per channel), got {mean.Count}/{std.Count}");
        int plane = data.Height * data.Width;
        for (int q = 0; q < data.Count * data.Channels; q++)
        {
            int c = q % data.Channels;
            if (!(std[c] > 0)) throw new ArgumentOutOfRangeException(nameof(std), $"std of channel {c} must be positive, got {std[c]}");
            var span = data.Images.AsSpan(q * plane, plane);
            System.Numerics.Tensors.TensorPrimitives.Subtract(span, mean[c], span);
            System.Numerics.Tensors.TensorPrimitives.Divide(span, std[c], span);
        }
    }

    /// <summary>Per-channel mean and population standard deviation over all images (double accumulation).</summary>
    public static (float[] Mean, float[] Std) ChannelStatistics(LabeledSet data)
    {
        int plane = data.Height * data.Width;
        var sum = new double[data.Channels];
        var sumSq = new double[data.Channels];
        for (int q = 0; q < data.Count * data.Channels; q++)
        {
            int c = q % data.Channels;
            foreach (float v in data.Images.AsSpan(q * plane, plane))
            {
                sum[c] += v;
                sumSq[c] += (double)v * v;
            }
        }
        double n = (double)data.Count * plane;
        var mean = new float[data.Channels];
        var std = new float[data.Channels];
        for (int c = 0; c < data.Channels; c++)
        {
            double m = sum[c] / n;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(sumSq[c] / n - m * m, 1e-12));
        }
        return (mean, std);
    }
}
