using System.Numerics;

namespace Apd.Engine.Tests.Kernels;

/// <summary>|actual − expected| ≤ atol + rtol·|expected| element-wise; the failure names the worst element.</summary>
internal static class Approx
{
    public static void AssertClose<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> expected, double atol, double rtol, string what)
        where T : IFloatingPointIeee754<T>
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        int worst = -1;
        double worstExcess = 0, worstDiff = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = double.CreateChecked(actual[i]), e = double.CreateChecked(expected[i]);
            double diff = Math.Abs(a - e);
            if (double.IsNaN(a) != double.IsNaN(e)) diff = double.PositiveInfinity;
            else if (double.IsNaN(a)) diff = 0;
            double excess = diff - (atol + rtol * Math.Abs(e));
            if (excess > worstExcess || (worst < 0 && excess > 0))
            {
                worst = i;
                worstExcess = excess;
                worstDiff = diff;
            }
        }
        if (worst >= 0)
            Assert.Fail($"{what}: largest difference {worstDiff:G6} at index {worst} (actual {actual[worst]}, expected {expected[worst]}), tolerance {atol:G3} + {rtol:G3}·|e|");
    }
}
