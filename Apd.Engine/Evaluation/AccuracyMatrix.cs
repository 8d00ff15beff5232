// R[i][j]: test accuracy (a fraction in [0, 1]) on task j measured right after learning task i,
// for j ≤ i (a task's head does not exist before it is learned). Row i has i + 1 entries.
namespace Apd.Engine.Evaluation;

public sealed class AccuracyMatrix
{
    private readonly List<double[]> _rows = new();

    public AccuracyMatrix() { }

    public AccuracyMatrix(IEnumerable<IReadOnlyList<double>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows) AddRow(row);
    }

    /// <summary>Tasks learned so far (rows recorded).</summary>
    public int Tasks => _rows.Count;

    public double this[int afterTask, int task]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(afterTask);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(afterTask, Tasks);
            ArgumentOutOfRangeException.ThrowIfNegative(task);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(task, afterTask);
            return _rows[afterTask][task];
        }
    }

    public IReadOnlyList<double> Row(int afterTask) => _rows[afterTask];

    /// <summary>Appends the row measured after learning the next task: one accuracy per learned task.</summary>
    public void AddRow(IReadOnlyList<double> accuracies)
    {
        ArgumentNullException.ThrowIfNull(accuracies);
        if (accuracies.Count != Tasks + 1)
            throw new ArgumentException($"Row {Tasks} must hold {Tasks + 1} accuracies (tasks 0..{Tasks}), got {accuracies.Count}.", nameof(accuracies));
        foreach (double a in accuracies)
            if (!(a >= 0 && a <= 1)) throw new ArgumentOutOfRangeException(nameof(accuracies), a, "Accuracies are fractions in [0, 1].");
        _rows.Add(accuracies.ToArray());
    }

    public double[][] ToJagged() => _rows.Select(r => (double[])r.Clone()).ToArray();
}
