// Central differences in double: ∂L/∂p_i ≈ (L(p + h·e_i) − L(p − h·e_i)) / 2h, compared element by element
// with an analytical gradient.
namespace Apd.Engine.Tests.Kernels;

internal static class FiniteDifference
{
    public static void Check(string what, double[] parameter, double[] analytical, Func<double> loss,
        double h = 1e-6, double atol = 1e-7, double rtol = 1e-5)
    {
        Assert.That(analytical, Has.Length.EqualTo(parameter.Length), what);
        double[] numeric = Numeric(parameter, loss, h);
        Close.Assert(analytical, numeric, atol, rtol, $"{what} (analytical vs central difference)");
    }

    /// <summary>Central difference of <paramref name="loss"/> with respect to every element of <paramref name="parameter"/>.</summary>
    public static double[] Numeric(double[] parameter, Func<double> loss, double h = 1e-6)
    {
        var numeric = new double[parameter.Length];
        for (int i = 0; i < parameter.Length; i++)
        {
            double keep = parameter[i];
            parameter[i] = keep + h;
            double plus = loss();
            parameter[i] = keep - h;
            double minus = loss();
            parameter[i] = keep;
            numeric[i] = (plus - minus) / (2 * h);
        }
        return numeric;
    }

    /// <summary>Σ gy ⊙ y: the loss whose gradient with respect to y is the (random) upstream gradient gy.</summary>
    public static double Dot(ReadOnlySpan<double> gy, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += gy[i] * y[i];
        return s;
    }
}
