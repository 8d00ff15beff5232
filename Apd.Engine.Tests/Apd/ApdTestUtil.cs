using Apd.Engine.Tests.Kernels;

namespace Apd.Engine.Tests.Decomposition;

internal static class ApdTestUtil
{
    public static double[] RandomDoubles(Random rng, int n, double scale = 1.0) => Close.Random(rng, n, scale);

    public static float[] RandomFloats(Random rng, int n, float scale = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Asserts |a − e| ≤ atol + rtol·|e| everywhere and reports the worst element.</summary>
    public static void AssertClose(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, double atol, double rtol, string what)
        => Close.Assert(actual, expected, atol, rtol, what);

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double atol, double rtol, string what)
        => Close.Assert(actual, expected, atol, rtol, what);

    /// <summary>Central difference of <paramref name="f"/> with respect to every element of <paramref name="x"/>.</summary>
    public static double[] NumericGradient(double[] x, Func<double> f, double h = 1e-6) => FiniteDifference.Numeric(x, f, h);
}
