using Apd.Engine.Kernels.Reference;
using MathNet.Numerics.LinearAlgebra;

namespace Apd.Engine.Tests.Kernels;

[TestFixture, Category("Kernels")]
public class GemmReferenceTests
{
    [TestCase(false, false), TestCase(false, true), TestCase(true, false), TestCase(true, true)]
    public void Reference_gemm_matches_MathNet_on_odd_shape(bool ta, bool tb)
    {
        const int m = 7, n = 5, k = 9;
        var rng = new Random(11);
        var a = Matrix<double>.Build.Dense(m, k, (_, _) => rng.NextDouble() - 0.5);
        var b = Matrix<double>.Build.Dense(k, n, (_, _) => rng.NextDouble() - 0.5);
        var c0 = Matrix<double>.Build.Dense(m, n, (_, _) => rng.NextDouble() - 0.5);
        double[] aStore = RowMajor(ta ? a.Transpose() : a);
        double[] bStore = RowMajor(tb ? b.Transpose() : b);
        double[] c = RowMajor(c0);
        GemmReference.Gemm(ta, tb, m, n, k, 0.5, aStore, ta ? m : k, bStore, tb ? k : n, 2.0, c, n);
        var expected = 0.5 * a * b + 2.0 * c0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                Assert.That(c[i * n + j], Is.EqualTo(expected[i, j]).Within(1e-12), $"C[{i},{j}]");
    }

    private static double[] RowMajor(Matrix<double> x)
    {
        var r = new double[x.RowCount * x.ColumnCount];
        for (int i = 0; i < x.RowCount; i++)
            for (int j = 0; j < x.ColumnCount; j++)
                r[i * x.ColumnCount + j] = x[i, j];
        return r;
    }
}
