// Summary metrics of an accuracy matrix R over T learned tasks (formulas in docs/metrics.md):
//   ACC        = (1/T) Σ_j R[T−1][j]
//   BWT        = (1/(T−1)) Σ_{j<T−1} (R[T−1][j] − R[j][j])                  (0 when T = 1)
//   forgetting = (1/(T−1)) Σ_{j<T−1} (max_{j≤l<T−1} R[l][j] − R[T−1][j])   (0 when T = 1)
namespace Apd.Engine.Evaluation;

public static class ContinualMetrics
{
    /// <summary>Average accuracy over all tasks after learning the last one.</summary>
    public static double FinalAverageAccuracy(AccuracyMatrix r) => AverageAccuracyAfter(r, RequireTasks(r) - 1);

    /// <summary>Average accuracy over tasks 0..<paramref name="afterTask"/> right after learning that task.</summary>
    public static double AverageAccuracyAfter(AccuracyMatrix r, int afterTask)
    {
        RequireTasks(r);
        var row = r.Row(afterTask);
        double sum = 0;
        foreach (double a in row) sum += a;
        return sum / row.Count;
    }

    /// <summary>Backward transfer: how much learning later tasks changed earlier ones (negative = forgetting).</summary>
    public static double BackwardTransfer(AccuracyMatrix r)
    {
        int t = RequireTasks(r);
        if (t == 1) return 0;
        double sum = 0;
        for (int j = 0; j < t - 1; j++) sum += r[t - 1, j] - r[j, j];
        return sum / (t - 1);
    }

    /// <summary>Average forgetting: the drop of each earlier task from its best accuracy to its final one.</summary>
    public static double Forgetting(AccuracyMatrix r)
    {
        int t = RequireTasks(r);
        if (t == 1) return 0;
        double sum = 0;
        for (int j = 0; j < t - 1; j++)
        {
            double best = double.NegativeInfinity;
            for (int l = j; l < t - 1; l++) best = Math.Max(best, r[l, j]);
            sum += best - r[t - 1, j];
        }
        return sum / (t - 1);
    }

    private static int RequireTasks(AccuracyMatrix r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.Tasks == 0) throw new ArgumentException("The accuracy matrix is empty: no task has been learned.", nameof(r));
        return r.Tasks;
    }
}
