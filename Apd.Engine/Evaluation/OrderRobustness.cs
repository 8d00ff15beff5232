// Order robustness (Yoon et al., ICLR 2020, §4.3): the same tasks learned in R different orders, with
// P_t^r the accuracy of task t at the end of the whole sequence in order r:
//   OPD_t = max_r P_t^r − min_r P_t^r   (order-normalised performance disparity of task t)
//   AOPD  = (1/T) Σ_t OPD_t,            MOPD = max_t OPD_t.
// Tasks are matched across orders by a key (e.g. their class set), not by position.
namespace Apd.Engine.Evaluation;

public static class OrderRobustness
{
    public sealed record Result(IReadOnlyDictionary<string, double> Opd, double Aopd, double Mopd);

    /// <param name="finalAccuracies">One entry per order: task key → final accuracy of that task (a fraction in [0, 1]).</param>
    public static Result Compute(IReadOnlyList<IReadOnlyDictionary<string, double>> finalAccuracies)
    {
        ArgumentNullException.ThrowIfNull(finalAccuracies);
        if (finalAccuracies.Count < 2) throw new ArgumentException($"order robustness needs the same tasks learned in at least two orders, got {finalAccuracies.Count}");
        var keys = finalAccuracies[0].Keys.Order(StringComparer.Ordinal).ToArray();
        if (keys.Length == 0) throw new ArgumentException("the first order has no tasks");
        for (int r = 0; r < finalAccuracies.Count; r++)
        {
            var run = finalAccuracies[r];
            if (run.Keys.FirstOrDefault(k => !finalAccuracies[0].ContainsKey(k)) is { } extra)
                throw new ArgumentException($"order {r + 1} has task '{extra}', which order 1 does not have");
            if (keys.FirstOrDefault(k => !run.ContainsKey(k)) is { } missing)
                throw new ArgumentException($"order {r + 1} lacks task '{missing}'");
            if (run.FirstOrDefault(p => !(p.Value >= 0 && p.Value <= 1)) is { Key: not null } bad)
                throw new ArgumentException($"order {r + 1}: the accuracy of task '{bad.Key}' is {bad.Value}, not a fraction in [0, 1]");
        }
        var opd = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            double max = double.NegativeInfinity, min = double.PositiveInfinity;
            foreach (var run in finalAccuracies)
            {
                max = Math.Max(max, run[key]);
                min = Math.Min(min, run[key]);
            }
            opd[key] = max - min;
        }
        return new Result(opd, opd.Values.Average(), opd.Values.Max());
    }
}
