// Runs gradcheck cases through the registered ops and compares every expected output:
// it passes where |got − expected| ≤ abs + rel·|expected| for every element. An op that is not
// registered, a missing output, a shape mismatch or an exception fails the case. A scalar (a loss) may be
// written with shape [] or [1]: both hold its one value.
using System.Globalization;
using System.Reflection;

namespace Apd.Cli.Gradcheck;

public sealed record OutputCheck(string Name, double MaxAbsError, bool Passed, string? Problem);

public sealed record CaseResult(GradcheckCase Case, bool Passed, IReadOnlyList<OutputCheck> Outputs, string? Problem)
{
    public string Line()
    {
        var parts = Outputs.Select(o => o.Problem is null
            ? string.Create(CultureInfo.InvariantCulture, $"{o.Name} {o.MaxAbsError:0.00e+00}{(o.Passed ? "" : "!")}")
            : $"{o.Name} {o.Problem}");
        string detail = Problem ?? string.Join("  ", parts);
        return $"{(Passed ? "PASS" : "FAIL")}  {Case.Name,-40} {detail}";
    }
}

public static class GradcheckRunner
{
    public static IReadOnlyDictionary<string, IGradcheckOp> Ops { get; } = Discover();

    public static CaseResult Run(GradcheckCase c, IReadOnlyDictionary<string, IGradcheckOp>? ops = null)
    {
        ops ??= Ops;
        if (!ops.TryGetValue(c.Op, out var op)) return new CaseResult(c, false, [], $"unknown op '{c.Op}'");
        IReadOnlyDictionary<string, GradTensor> got;
        try
        {
            got = op.Run(c);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return new CaseResult(c, false, [], $"error: {e.Message}");
        }
        var checks = new List<OutputCheck>();
        foreach (var (name, expected) in c.Expected)
        {
            if (!got.TryGetValue(name, out var actual))
            {
                checks.Add(new OutputCheck(name, double.NaN, false, "not computed"));
                continue;
            }
            if (!SameShape(actual, expected))
            {
                checks.Add(new OutputCheck(name, double.NaN, false, $"shape {actual.ShapeText} ≠ {expected.ShapeText}"));
                continue;
            }
            double maxErr = 0;
            bool ok = true;
            for (int i = 0; i < expected.Data.Length; i++)
            {
                double e = expected.Data[i], a = actual.Data[i], err = Math.Abs(a - e);
                if (a == e) err = 0; // equal infinities
                if (double.IsNaN(err) || err > c.AbsTolerance + c.RelTolerance * Math.Abs(e)) ok = false;
                if (double.IsNaN(err) || err > maxErr) maxErr = double.IsNaN(err) ? double.PositiveInfinity : err;
            }
            checks.Add(new OutputCheck(name, maxErr, ok, null));
        }
        return new CaseResult(c, checks.All(o => o.Passed), checks, null);
    }

    private static bool SameShape(GradTensor actual, GradTensor expected)
    {
        if (actual.Data.Length != expected.Data.Length) return false;
        bool bothScalars = actual.Data.Length == 1 && actual.Shape.Length <= 1 && expected.Shape.Length <= 1;
        return bothScalars || actual.Shape.SequenceEqual(expected.Shape);
    }

    private static Dictionary<string, IGradcheckOp> Discover()
    {
        var map = new Dictionary<string, IGradcheckOp>(StringComparer.Ordinal);
        foreach (var t in Assembly.GetExecutingAssembly().GetTypes())
        {
            if (!typeof(IGradcheckOp).IsAssignableFrom(t) || t.IsAbstract || t.IsInterface) continue;
            var op = (IGradcheckOp)Activator.CreateInstance(t)!;
            if (!map.TryAdd(op.Op, op)) throw new InvalidOperationException($"two gradcheck ops are named '{op.Op}'");
        }
        return map;
    }
}
