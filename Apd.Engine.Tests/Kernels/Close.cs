// |a − e| ≤ atol + rtol·|e| over whole buffers, failing with the largest violation and where it is.
namespace Apd.Engine.Tests.Kernels;

internal static class Close
{
    public static void Assert(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, double atol, double rtol, string what)
    {
        NUnit.Framework.Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        int worst = -1;
        double worstExcess = 0, worstDiff = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            double excess = diff - (atol + rtol * Math.Abs(expected[i]));
            if (!double.IsFinite(actual[i]) && actual[i] != expected[i]) excess = double.PositiveInfinity;
            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = i;
                worstDiff = diff;
            }
        }
        if (worst >= 0)
            NUnit.Framework.Assert.Fail($"{what}: element {worst} is {actual[worst]:R}, expected {expected[worst]:R} (|diff| {worstDiff:E3}, atol {atol:E1}, rtol {rtol:E1})");
    }

    public static void Assert(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double atol, double rtol, string what)
        => Assert(ToDouble(actual), ToDouble(expected), atol, rtol, what);

    public static double[] ToDouble(ReadOnlySpan<float> x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i];
        return r;
    }

    public static double[] Random(Random rng, int length, double scale = 1.0)
    {
        var r = new double[length];
        for (int i = 0; i < length; i++) r[i] = (rng.NextDouble() * 2 - 1) * scale;
        return r;
    }

    public static float[] RandomFloat(Random rng, int length, double scale = 1.0)
    {
        var r = new float[length];
        for (int i = 0; i < length; i++) r[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return r;
    }
}
