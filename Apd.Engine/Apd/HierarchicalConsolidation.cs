// Hierarchical knowledge consolidation (every s tasks): per decomposed layer, fold any existing σ̃_g back
// into its tasks' τ_i, K-means (k groups, k-means++ seeding from a seed) over the τ_i, and in each group
// move the elements on which all members agree within β (max − min ≤ β) into σ̃_g = (max + min)/2,
// zeroing them in every member's τ_i. Which elements qualify is the ConsolidationRule:
// AllNonZero (default) — only elements non-zero in every member: a member with τ_i,e = 0 needed no
// task-specific value there, and spreading the others' values onto it would shift its θ_i in bulk.
// Span (the paper's rule) — zeros count as values too (a member at 0 bounds the span like any other), and
// an element moves when at least two members are non-zero there (otherwise nothing would be saved).
// Either way θ_i = σ⊙M_i + σ̃_g + τ_i moves by at most β/2 per element, and capacity can only drop.
namespace Apd.Engine.Decomposition;

public static class HierarchicalConsolidation
{
    public static ConsolidationReport Consolidate(ApdNetwork network, int groups, double tolerance, int seed, ConsolidationRule rule = ConsolidationRule.AllNonZero)
    {
        long before = 0, after = 0, moved = 0;
        int layerIndex = 0;
        foreach (var w in network.Weights)
        {
            var tasks = network.LearnedTasks.Where(w.HasTask).Where(t => !w.IsDense(t)).ToArray();
            before += tasks.Sum(t => (long)w.TauNonZeros(t)) + w.SharedNonZeros();
            moved += ConsolidateLayer(w, tasks, groups, (float)tolerance, unchecked(seed * 31 + layerIndex++), rule);
            after += tasks.Sum(t => (long)w.TauNonZeros(t)) + w.SharedNonZeros();
        }
        return new ConsolidationReport(before, after, moved);
    }

    /// <summary>Returns the number of (task, element) entries moved into a σ̃_g.</summary>
    public static long ConsolidateLayer(DecomposedWeight w, IReadOnlyList<int> tasks, int groups, float tolerance, int seed,
        ConsolidationRule rule = ConsolidationRule.AllNonZero)
    {
        int n = w.Length;
        // Fold σ̃_g back into τ_i so that clustering sees each task's whole task-specific part.
        var dense = new float[tasks.Count][]; // (T, |σ|)
        for (int i = 0; i < tasks.Count; i++)
        {
            dense[i] = w.StoredTau(tasks[i]).ToDense();
            int g = w.GroupOf(tasks[i]);
            if (g >= 0 && w.SharedByGroup.TryGetValue(g, out var shared)) shared.AddTo(dense[i]);
            w.SetGroup(tasks[i], -1);
        }
        foreach (int g in w.SharedByGroup.Keys.ToArray()) w.SetShared(g, null);
        if (tasks.Count < 2)
        {
            for (int i = 0; i < tasks.Count; i++) w.ReplaceStoredTau(tasks[i], SparseTau.FromDense(dense[i]));
            return 0;
        }

        int[] assignment = KMeans(dense, Math.Min(groups, tasks.Count), seed);
        long moved = 0;
        for (int g = 0; g < groups; g++)
        {
            int[] members = Enumerable.Range(0, tasks.Count).Where(i => assignment[i] == g).ToArray();
            foreach (int i in members) w.SetGroup(tasks[i], g);
            if (members.Length < 2) continue;
            var shared = new float[n];
            for (int e = 0; e < n; e++)
            {
                float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
                int nonZero = 0;
                foreach (int i in members)
                {
                    float x = dense[i][e];
                    if (x != 0) nonZero++;
                    lo = Math.Min(lo, x);
                    hi = Math.Max(hi, x);
                }
                bool qualifies = rule == ConsolidationRule.AllNonZero ? nonZero == members.Length : nonZero >= 2;
                if (!qualifies || hi - lo > tolerance) continue;
                shared[e] = (lo + hi) / 2;
                foreach (int i in members) dense[i][e] = 0;
                moved += nonZero;
            }
            w.SetShared(g, SparseTau.FromDense(shared));
        }
        for (int i = 0; i < tasks.Count; i++) w.ReplaceStoredTau(tasks[i], SparseTau.FromDense(dense[i]));
        return moved;
    }

    /// <summary>Lloyd's K-means with k-means++ seeding; returns each vector's group (0..k−1). Deterministic for a seed.</summary>
    public static int[] KMeans(float[][] vectors, int k, int seed, int maxIterations = 20)
    {
        int count = vectors.Length, n = vectors[0].Length;
        var rng = new Random(seed);
        var centroids = new double[k][];
        centroids[0] = vectors[rng.Next(count)].Select(x => (double)x).ToArray();
        var nearest = new double[count];
        for (int c = 1; c < k; c++)
        {
            double total = 0;
            for (int i = 0; i < count; i++)
            {
                nearest[i] = double.PositiveInfinity;
                for (int j = 0; j < c; j++) nearest[i] = Math.Min(nearest[i], Distance(vectors[i], centroids[j]));
                total += nearest[i];
            }
            double pick = rng.NextDouble() * total;
            int chosen = count - 1;
            for (int i = 0; i < count; i++)
            {
                pick -= nearest[i];
                if (pick < 0) { chosen = i; break; }
            }
            centroids[c] = vectors[chosen].Select(x => (double)x).ToArray();
        }
        var assignment = new int[count];
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            bool changed = iteration == 0;
            for (int i = 0; i < count; i++)
            {
                int best = 0;
                double bestDistance = double.PositiveInfinity;
                for (int c = 0; c < k; c++)
                {
                    double d = Distance(vectors[i], centroids[c]);
                    if (d < bestDistance) { bestDistance = d; best = c; }
                }
                if (assignment[i] != best) changed = true;
                assignment[i] = best;
            }
            if (!changed) break;
            for (int c = 0; c < k; c++)
            {
                int members = 0;
                Array.Clear(centroids[c]);
                for (int i = 0; i < count; i++)
                {
                    if (assignment[i] != c) continue;
                    members++;
                    for (int e = 0; e < n; e++) centroids[c][e] += vectors[i][e];
                }
                if (members > 0) for (int e = 0; e < n; e++) centroids[c][e] /= members;
            }
        }
        return assignment;
    }

    private static double Distance(float[] x, double[] c)
    {
        double s = 0;
        for (int e = 0; e < x.Length; e++)
        {
            double d = x[e] - c[e];
            s += d * d;
        }
        return s;
    }
}

/// <summary>Which elements of a consolidation group may move into σ̃_g (both need max − min ≤ β across the group).</summary>
public enum ConsolidationRule
{
    /// <summary>Only elements non-zero in every member of the group.</summary>
    AllNonZero,

    /// <summary>The paper's rule: zeros count as values; elements non-zero in at least two members.</summary>
    Span,
}

/// <summary>Non-zeros of every τ_i and σ̃_g before and after, and how many τ entries moved into a σ̃_g.</summary>
public readonly record struct ConsolidationReport(long NonZerosBefore, long NonZerosAfter, long EntriesMoved);
