using Apd.Engine.Decomposition;
using Apd.Engine.Decomposition.Reference;
using static Apd.Engine.Tests.Decomposition.ApdTestUtil;

namespace Apd.Engine.Tests.Decomposition;

[TestFixture, Category("Kernels")]
public class ObjectiveKernelTests
{
    [Test]
    public void Drift_penalty_loss_and_gradient_match_central_differences()
    {
        var rng = new Random(21);
        double[] sigma = RandomDoubles(rng, 5000), prev = RandomDoubles(rng, 5000);
        const double lambda = 0.37;
        double[] grad = RandomDoubles(rng, 5000);
        double[] before = (double[])grad.Clone();
        double loss = DriftPenalty.LossAndGradient<double>(sigma, prev, lambda, grad);
        double expectedLoss = 0;
        for (int i = 0; i < sigma.Length; i++) expectedLoss += 0.5 * lambda * (sigma[i] - prev[i]) * (sigma[i] - prev[i]);
        Assert.That(loss, Is.EqualTo(expectedLoss).Within(1e-9 * expectedLoss));
        double[] small = sigma[..40];
        double[] smallPrev = prev[..40];
        double[] numeric = NumericGradient(small, () => DriftPenalty.LossAndGradient<double>(small, smallPrev, lambda, Span<double>.Empty));
        for (int i = 0; i < 40; i++) grad[i] -= before[i];
        AssertClose(grad.AsSpan(0, 40), numeric, 1e-8, 1e-6, "dsigma");
    }

    [TestCase(3, 4, 1), TestCase(1, 3, 7)]
    public void Retroactive_loss_gradients_match_central_differences(int outer, int channels, int inner)
    {
        var g = new DecompositionGeometry(outer, channels, inner);
        var rng = new Random(8);
        double[] sigma = RandomDoubles(rng, g.Length), v = RandomDoubles(rng, channels, 2), tau = RandomDoubles(rng, g.Length), star = RandomDoubles(rng, g.Length);
        const double lambda = 2.5;
        double Loss()
        {
            var m = new double[channels];
            ApdCompose.Mask<double>(v, m);
            return RetroactiveLoss.LossAndGradient<double>(sigma, m, tau, star, lambda, Span<double>.Empty, Span<double>.Empty, Span<double>.Empty, g);
        }
        var mask = new double[channels];
        ApdCompose.Mask<double>(v, mask);
        double[] ds = new double[g.Length], dv = new double[channels], dt = new double[g.Length];
        double loss = RetroactiveLoss.LossAndGradient<double>(sigma, mask, tau, star, lambda, ds, dv, dt, g);
        double expected = 0;
        for (int i = 0; i < g.Length; i++)
        {
            double r = sigma[i] * ApdComposeReference.Sigmoid(v[g.ChannelOf(i)]) + tau[i] - star[i];
            expected += 0.5 * lambda * r * r;
        }
        Assert.That(loss, Is.EqualTo(expected).Within(1e-12 * Math.Max(1, expected)));
        AssertClose(ds, NumericGradient(sigma, Loss), 1e-7, 1e-6, "dsigma");
        AssertClose(dv, NumericGradient(v, Loss), 1e-7, 1e-6, "dv");
        AssertClose(dt, NumericGradient(tau, Loss), 1e-7, 1e-6, "dtau");
    }

    [Test]
    public void Prox_l1_matches_naive_twin_at_every_length_and_makes_exact_zeros()
    {
        var rng = new Random(4);
        for (int n = 0; n <= 256; n++)
        {
            float[] tau = RandomFloats(rng, n, 0.01f);
            if (n > 3) { tau[0] = 0.004f; tau[1] = -0.004f; tau[2] = -0f; }
            float[] y = new float[n], yRef = new float[n];
            ProxL1.SoftThreshold(tau, 0.004f, y);
            ProxL1Reference.SoftThreshold(tau, 0.004f, yRef);
            for (int i = 0; i < n; i++)
            {
                Assert.That(BitConverter.SingleToInt32Bits(y[i]) == BitConverter.SingleToInt32Bits(yRef[i]) || (y[i] == 0 && yRef[i] == 0),
                    $"n={n} i={i}: {y[i]:R} vs {yRef[i]:R}");
                if (Math.Abs(tau[i]) <= 0.004f) Assert.That(y[i], Is.EqualTo(0f), $"n={n} i={i} should be an exact zero");
            }
            float[] inPlace = (float[])tau.Clone();
            ProxL1.SoftThreshold(inPlace, 0.004f);
            AssertClose(inPlace, yRef, 0, 0, $"in place n={n}");
        }
    }

    [Test]
    public void Prox_l1_in_adam_metric_matches_its_scalar_definition_at_every_length()
    {
        var rng = new Random(6);
        for (int n = 0; n <= 256; n++)
        {
            float[] tau = RandomFloats(rng, n, 0.01f), grad = RandomFloats(rng, n, 1e-3f), v = RandomFloats(rng, n, 1e-6f).Select(Math.Abs).ToArray();
            float[] tauRef = (float[])tau.Clone(), vRef = (float[])v.Clone();
            const float scale = 4e-7f, beta2 = 0.999f, bias2Sqrt = 0.1f, eps = 1e-8f;
            ProxL1.SoftThresholdAdamMetric(tau, grad, v, scale, beta2, bias2Sqrt, eps);
            for (int i = 0; i < n; i++)
            {
                double vi = beta2 * (double)vRef[i] + (1 - beta2) * (double)grad[i] * grad[i];
                double t = scale / (Math.Sqrt(vi) / bias2Sqrt + eps);
                double expected = ProxL1.Scalar((double)tauRef[i], t);
                Assert.That(v[i], Is.EqualTo(vi).Within(1e-5 * vi + 1e-15), $"n={n} v[{i}]");
                Assert.That(tau[i], Is.EqualTo(expected).Within(1e-5 * Math.Abs(tauRef[i]) + 1e-9), $"n={n} tau[{i}]");
                if (expected == 0) Assert.That(tau[i], Is.EqualTo(0f), $"n={n} tau[{i}] should be an exact zero");
            }
        }
    }

    [Test]
    public void Prox_l1_is_the_minimiser_of_the_proximal_objective()
    {
        var rng = new Random(12);
        const double t = 0.3;
        foreach (double a in RandomDoubles(rng, 50, 1.0))
        {
            double p = ProxL1.Scalar(a, t);
            double Obj(double x) => 0.5 * (x - a) * (x - a) + t * Math.Abs(x);
            Assert.That(Obj(p), Is.LessThanOrEqualTo(Obj(p + 1e-4)).And.LessThanOrEqualTo(Obj(p - 1e-4)), $"a={a}");
        }
    }
}
