namespace Apd.Engine.Tests.Decomposition;

internal static class ApdTestUtil
{
    public static double[] RandomDoubles(Random rng, int n, double scale = 1.0)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    public static float[] RandomFloats(Random rng, int n, float scale = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Asserts |a − e| ≤ atol + rtol·|e| everywhere and reports the worst element.</summary>
    public static void AssertClose(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, double atol, double rtol, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what + ": length");
        int worst = -1;
        double worstExcess = 0, worstDiff = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            double excess = d - (atol + rtol * Math.Abs(expected[i]));
            if (!(excess <= worstExcess) || double.IsNaN(d)) { worst = i; worstExcess = double.IsNaN(d) ? double.PositiveInfinity : excess; worstDiff = d; }
        }
        if (worst >= 0)
            Assert.Fail($"{what}: element {worst} got {actual[worst]:R}, expected {expected[worst]:R} (|diff| {worstDiff:E3} > {atol} + {rtol}·|e|)");
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double atol, double rtol, string what)
    {
        var a = new double[actual.Length];
        var e = new double[expected.Length];
        for (int i = 0; i < a.Length; i++) a[i] = actual[i];
        for (int i = 0; i < e.Length; i++) e[i] = expected[i];
        AssertClose(a, e, atol, rtol, what);
    }

    /// <summary>Central difference of <paramref name="f"/> with respect to every element of <paramref name="x"/>.</summary>
    public static double[] NumericGradient(double[] x, Func<double> f, double h = 1e-6)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + h;
            double up = f();
            x[i] = keep - h;
            double down = f();
            x[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }
}
