using Apd.Engine.Decomposition;
using Apd.Engine.Decomposition.Reference;
using static Apd.Engine.Tests.Decomposition.ApdTestUtil;

namespace Apd.Engine.Tests.Decomposition;

[TestFixture, Category("Kernels")]
public class ApdComposeTests
{
    private static readonly DecompositionGeometry[] Geometries =
    [
        new(0, 3, 1), new(1, 1, 1), new(7, 5, 1), new(3, 37, 1), new(1, 4, 75), new(1, 3, 17), new(2, 3, 5), new(1, 20, 257),
    ];

    [Test]
    public void Forward_and_backward_match_naive_twin_on_every_geometry_and_tail()
    {
        var rng = new Random(3);
        foreach (var g in Geometries)
        {
            float[] sigma = RandomFloats(rng, g.Length), tau = RandomFloats(rng, g.Length), v = RandomFloats(rng, g.Channels, 3f);
            float[] dTheta = RandomFloats(rng, g.Length);
            float[] mask = new float[g.Channels];
            ApdCompose.Mask<float>(v, mask);
            float[] theta = new float[g.Length], thetaRef = new float[g.Length];
            ApdCompose.Forward<float>(sigma, mask, tau, theta, g);
            ApdComposeReference.Forward<float>(sigma, v, tau, thetaRef, g);
            AssertClose(theta, thetaRef, 1e-6, 1e-5, $"theta {g}");

            float[] ds = RandomFloats(rng, g.Length), dv = RandomFloats(rng, g.Channels), dt = RandomFloats(rng, g.Length);
            float[] dsRef = (float[])ds.Clone(), dvRef = (float[])dv.Clone(), dtRef = (float[])dt.Clone();
            ApdCompose.Backward<float>(sigma, mask, dTheta, ds, dv, dt, g);
            ApdComposeReference.Backward<float>(sigma, v, dTheta, dsRef, dvRef, dtRef, g);
            AssertClose(ds, dsRef, 1e-6, 1e-5, $"dsigma {g}");
            AssertClose(dv, dvRef, 1e-4, 1e-4, $"dv {g}");
            AssertClose(dt, dtRef, 0, 0, $"dtau {g}");
        }
    }

    [TestCase(4, 3, 1), TestCase(1, 5, 6)]
    public void Backward_matches_central_differences_with_random_upstream_gradient(int outer, int channels, int inner)
    {
        var g = new DecompositionGeometry(outer, channels, inner);
        var rng = new Random(17);
        double[] sigma = RandomDoubles(rng, g.Length), v = RandomDoubles(rng, channels, 2), tau = RandomDoubles(rng, g.Length);
        double[] gy = RandomDoubles(rng, g.Length);
        double Objective()
        {
            var m = new double[channels];
            ApdCompose.Mask<double>(v, m);
            var th = new double[g.Length];
            ApdCompose.Forward<double>(sigma, m, tau, th, g);
            double s = 0;
            for (int i = 0; i < th.Length; i++) s += gy[i] * th[i];
            return s;
        }
        var mask = new double[channels];
        ApdCompose.Mask<double>(v, mask);
        double[] ds = new double[g.Length], dv = new double[channels], dt = new double[g.Length];
        ApdCompose.Backward<double>(sigma, mask, gy, ds, dv, dt, g);
        AssertClose(ds, NumericGradient(sigma, Objective), 1e-8, 1e-6, "dsigma");
        AssertClose(dv, NumericGradient(v, Objective), 1e-8, 1e-6, "dv");
        AssertClose(dt, NumericGradient(tau, Objective), 1e-8, 1e-6, "dtau");
    }

    [Test]
    public void Backward_accumulates_into_existing_gradients()
    {
        var g = new DecompositionGeometry(2, 3, 4);
        var rng = new Random(5);
        float[] sigma = RandomFloats(rng, g.Length), v = RandomFloats(rng, 3), dTheta = RandomFloats(rng, g.Length);
        float[] mask = new float[3];
        ApdCompose.Mask<float>(v, mask);
        float[] once = new float[g.Length], dv1 = new float[3], dt1 = new float[g.Length];
        ApdCompose.Backward<float>(sigma, mask, dTheta, once, dv1, dt1, g);
        float[] twice = new float[g.Length], dv2 = new float[3], dt2 = new float[g.Length];
        ApdCompose.Backward<float>(sigma, mask, dTheta, twice, dv2, dt2, g);
        ApdCompose.Backward<float>(sigma, mask, dTheta, twice, dv2, dt2, g);
        for (int i = 0; i < g.Length; i++) Assert.That(twice[i], Is.EqualTo(2 * once[i]).Within(1e-6), $"dsigma[{i}]");
        for (int c = 0; c < 3; c++) Assert.That(dv2[c], Is.EqualTo(2 * dv1[c]).Within(1e-6), $"dv[{c}]");
    }
}
