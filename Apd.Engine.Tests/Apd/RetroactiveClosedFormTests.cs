using Apd.Engine.Decomposition;
using Apd.Engine.Decomposition.Reference;
using static Apd.Engine.Tests.Decomposition.ApdTestUtil;

namespace Apd.Engine.Tests.Decomposition;

[TestFixture, Category("Kernels")]
public class RetroactiveClosedFormTests
{
    private const double Lambda2 = 100, Kappa = 5e-3;

    /// <summary>A layer with <paramref name="tasks"/> sealed tasks: random masks, τ_i at the given density.</summary>
    internal static DecomposedWeight LayerWithLearnedTasks(int[] shape, int axis, int tasks, double density, int seed)
    {
        var rng = new Random(seed);
        var w = new DecomposedWeight("w", shape, axis);
        RandomFloats(rng, w.Length, 0.2f).CopyTo(w.Sigma.Value, 0);
        for (int t = 0; t < tasks; t++)
        {
            w.AddTask(t, TauInit.Zero, 0f);
            RandomFloats(rng, w.Channels, 3f).CopyTo(w.MaskLogits(t).Value, 0);
            float[] tau = w.DenseTau(t).Value;
            for (int e = 0; e < tau.Length; e++)
                if (rng.NextDouble() < density) tau[e] = (float)(rng.NextDouble() * 2 - 1) * 0.03f;
            w.Seal(t);
        }
        return w;
    }

    private static (double[] masks, double[] taus) Dense(DecomposedWeight w, int tasks)
    {
        var masks = new double[tasks * w.Channels];
        var taus = new double[tasks * w.Length];
        var m = new float[w.Channels];
        for (int t = 0; t < tasks; t++)
        {
            w.Mask(t, m);
            for (int c = 0; c < m.Length; c++) masks[t * w.Channels + c] = m[c];
            float[] d = w.StoredTau(t).ToDense();
            for (int e = 0; e < d.Length; e++) taus[t * w.Length + e] = d[e];
        }
        return (masks, taus);
    }

    [TestCase(new[] { 6, 5 }, 1, 7, 0.3), TestCase(new[] { 4, 3, 3, 3 }, 0, 9, 0.05), TestCase(new[] { 40, 19 }, 1, 30, 0.04), TestCase(new[] { 300, 261 }, 1, 3, 0.02), TestCase(new[] { 24, 7 }, 1, 140, 0.05)]
    public void Gradient_and_loss_match_the_naive_sum_over_tasks_along_a_random_walk(int[] shape, int axis, int tasks, double density)
    {
        var w = LayerWithLearnedTasks(shape, axis, tasks, density, seed: 31);
        var (masks, taus) = Dense(w, tasks);
        var cf = new RetroactiveClosedForm(w, Enumerable.Range(0, tasks).ToArray(), Lambda2, Kappa);
        double[] start = w.Sigma.Value.Select(x => (double)x).ToArray();
        var rng = new Random(2);
        float[] sigma = (float[])w.Sigma.Value.Clone();
        for (int step = 0; step < 60; step++)
        {
            // Steps from Adam-sized to large, back and forth across Δ = 0 and every breakpoint region.
            float scale = step % 3 == 0 ? 0.05f : step % 3 == 1 ? 1e-3f : 1e-2f;
            for (int e = 0; e < sigma.Length; e++) sigma[e] += (float)(rng.NextDouble() * 2 - 1) * scale;
            if (step == 30) Array.Copy(w.Sigma.Value, sigma, sigma.Length);
            float[] dsSeed = RandomFloats(rng, sigma.Length);
            float[] ds = (float[])dsSeed.Clone();
            double loss = cf.AccumulateGradient(sigma, ds);
            double[] dsRef = dsSeed.Select(x => (double)x).ToArray();
            double lossRef = RetroactiveClosedFormReference.AccumulateGradient(sigma.Select(x => (double)x).ToArray(), start, masks, taus, tasks, Lambda2, Kappa, dsRef, w.Geometry);
            AssertClose(ds.Select(x => (double)x).ToArray(), dsRef, 1e-4, 1e-4, $"dsigma at step {step}");
            Assert.That(loss, Is.EqualTo(lossRef).Within(1e-4 * Math.Max(1, Math.Abs(lossRef))), $"loss at step {step}");
        }
        // Refits counts element-part pieces only (the channel part is searched afresh every step).
        int withOldTau = Enumerable.Range(0, sigma.Length).Count(e => Enumerable.Range(0, tasks).Any(t => taus[t * sigma.Length + e] != 0));
        Assert.That(cf.Refits, Is.GreaterThan(withOldTau), "the walk should cross the element breakpoints");
    }

    [Test]
    public void Oscillating_across_the_kinks_costs_no_refits_after_both_pieces_are_cached()
    {
        var w = LayerWithLearnedTasks([30, 20], 1, 12, 0.05, seed: 8);
        var (masks, taus) = Dense(w, 12);
        const double kappa = 4e-6;
        var cf = new RetroactiveClosedForm(w, Enumerable.Range(0, 12).ToArray(), Lambda2, kappa);
        double[] start = w.Sigma.Value.Select(x => (double)x).ToArray();
        float[] left = w.Sigma.Value.Select(x => x - 3e-4f).ToArray(), right = w.Sigma.Value.Select(x => x + 3e-4f).ToArray();
        long refitsAfterWarmup = 0;
        for (int step = 0; step < 8; step++)
        {
            float[] sigma = step % 2 == 0 ? left : right;
            float[] ds = new float[sigma.Length];
            double loss = cf.AccumulateGradient(sigma, ds);
            double[] dsRef = new double[sigma.Length];
            double lossRef = RetroactiveClosedFormReference.AccumulateGradient(sigma.Select(x => (double)x).ToArray(), start, masks, taus, 12, Lambda2, kappa, dsRef, w.Geometry);
            AssertClose(ds.Select(x => (double)x).ToArray(), dsRef, 1e-5, 1e-4, $"dsigma at step {step}");
            Assert.That(loss, Is.EqualTo(lossRef).Within(1e-4 * Math.Max(1, Math.Abs(lossRef))));
            if (step == 1) refitsAfterWarmup = cf.Refits;
        }
        Assert.That(cf.Refits, Is.EqualTo(refitsAfterWarmup));
    }

    [Test]
    public void Retroactive_gradient_matches_joint_form_on_small_model_when_each_tau_is_at_its_optimum()
    {
        const int tasks = 5;
        var w = LayerWithLearnedTasks([8, 6], 1, tasks, 0.25, seed: 4);
        var g = w.Geometry;
        var (masks, taus) = Dense(w, tasks);
        double[] start = w.Sigma.Value.Select(x => (double)x).ToArray();
        var cf = new RetroactiveClosedForm(w, Enumerable.Range(0, tasks).ToArray(), Lambda2, Kappa);

        var rng = new Random(9);
        float[] sigma = w.Sigma.Value.Select(x => x + (float)(rng.NextDouble() * 2 - 1) * 0.02f).ToArray();
        double[] sigmaD = sigma.Select(x => (double)x).ToArray();

        // Joint form: each old task's θ_i* = σ^(t−1)⊙M_i + τ_i, τ_i moved to argmin (λ2/2)‖θ_i* − σM_i − τ‖² + λ1_old‖τ‖₁.
        double[] jointGrad = new double[g.Length];
        double jointLoss = 0;
        for (int i = 0; i < tasks; i++)
        {
            double[] m = masks.AsSpan(i * g.Channels, g.Channels).ToArray();
            double[] star = new double[g.Length], opt = new double[g.Length];
            ApdCompose.Forward<double>(start, m, taus.AsSpan(i * g.Length, g.Length), star, g);
            for (int e = 0; e < g.Length; e++) opt[e] = ProxL1.Scalar(star[e] - sigmaD[e] * m[g.ChannelOf(e)], Kappa);
            jointLoss += RetroactiveLoss.LossAndGradient<double>(sigmaD, m, opt, star, Lambda2, jointGrad, Span<double>.Empty, Span<double>.Empty, g);
            jointLoss += Lambda2 * Kappa * opt.Sum(Math.Abs);
        }
        float[] closed = new float[g.Length];
        double closedLoss = cf.AccumulateGradient(sigma, closed);
        AssertClose(closed.Select(x => (double)x).ToArray(), jointGrad, 1e-4, 1e-4, "σ-gradient, closed form vs joint form");
        Assert.That(closedLoss, Is.EqualTo(jointLoss).Within(1e-4 * jointLoss));

        // And the closed-form τ update stores exactly those optima.
        cf.UpdateTaus(sigma);
        for (int i = 0; i < tasks; i++)
        {
            float[] stored = w.StoredTau(i).ToDense();
            for (int e = 0; e < g.Length; e++)
            {
                double m = masks[i * g.Channels + g.ChannelOf(e)];
                double expected = ProxL1.Scalar(taus[i * g.Length + e] - (sigmaD[e] - start[e]) * m, Kappa);
                Assert.That(stored[e], Is.EqualTo(expected).Within(1e-6), $"τ_{i}[{e}]");
            }
        }
    }

    [TestCase(new[] { 6, 5 }, 1, 7, 0.3), TestCase(new[] { 4, 3, 3, 3 }, 0, 9, 0.05), TestCase(new[] { 40, 19 }, 1, 30, 0.04), TestCase(new[] { 300, 261 }, 1, 3, 0.02), TestCase(new[] { 24, 7 }, 1, 140, 0.05), TestCase(new[] { 5, 9 }, 1, 1, 0.5)]
    public void Proximal_step_matches_the_naive_bisection_along_a_random_walk(int[] shape, int axis, int tasks, double density)
    {
        var w = LayerWithLearnedTasks(shape, axis, tasks, density, seed: 17);
        var (masks, taus) = Dense(w, tasks);
        var cf = new RetroactiveClosedForm(w, Enumerable.Range(0, tasks).ToArray(), Lambda2, Kappa);
        double[] start = w.Sigma.Value.Select(x => (double)x).ToArray();
        var rng = new Random(5);
        float[] sigma = (float[])w.Sigma.Value.Clone();
        cf.PrepareProximal();
        double[] startCopy = (double[])start.Clone();
        double initialRef = RetroactiveClosedFormReference.AccumulateGradient(start, start, masks, taus, tasks, Lambda2, Kappa, new double[start.Length], w.Geometry);
        Assert.That(cf.ProximalValue, Is.EqualTo(initialRef).Within(1e-4 * Math.Max(1, initialRef)), "value at σ^(t−1)");
        for (int step = 0; step < 40; step++)
        {
            // Optimizer-like moves from tiny to large, and per-element step sizes η from 1e-6 to Adam's lr/ε = 1e5
            // (an element without gradient), so solutions land inside the cached piece, a few pieces away, and far.
            float scale = step % 4 == 0 ? 0.05f : step % 4 == 1 ? 1e-3f : step % 4 == 2 ? 1e-2f : 1e-4f;
            for (int e = 0; e < sigma.Length; e++) sigma[e] += (float)(rng.NextDouble() * 2 - 1) * scale;
            float[] v = new float[sigma.Length];
            for (int e = 0; e < v.Length; e++) v[e] = e % 11 == 0 ? 0f : (float)Math.Pow(10, -12 + 10 * rng.NextDouble());
            const float lr = 1e-3f, bias = 0.3f, eps = 1e-8f;
            double[] eta = v.Select(x => (double)(lr / (MathF.Sqrt(x) / bias + eps))).ToArray();
            double[] expected = sigma.Select(x => (double)x).ToArray();
            double lossRef = RetroactiveClosedFormReference.ProximalStep(expected, startCopy, masks, taus, tasks, Lambda2, Kappa, eta, w.Geometry);
            double loss = cf.ProximalStep(sigma, v, lr, bias, eps);
            for (int e = 0; e < sigma.Length; e++)
                Assert.That(sigma[e], Is.EqualTo(expected[e]).Within(2e-6 * Math.Max(1, Math.Abs(expected[e]))), $"σ[{e}] at step {step}, η = {eta[e]:G3}");
            Assert.That(loss, Is.EqualTo(lossRef).Within(1e-3 * Math.Max(1, Math.Abs(lossRef))), $"value at step {step}");
            Assert.That(cf.ProximalValue, Is.EqualTo(loss));
        }
        Assert.That(cf.ProximalSearches, Is.GreaterThan(0), "the walk should leave the cached pieces");
    }

    [Test]
    public void Proximal_step_in_a_plain_metric_and_with_a_stiff_term_leaves_the_cache_alone()
    {
        // λ2 Σ M² η ≫ 1: a step of the optimizer's size moves Δ by about z / (1 + ηλ2 Σ M²), inside the linear piece around 0.
        const int tasks = 50;
        var w = LayerWithLearnedTasks([30, 20], 1, tasks, 0.03, seed: 12);
        var (masks, taus) = Dense(w, tasks);
        var cf = new RetroactiveClosedForm(w, Enumerable.Range(0, tasks).ToArray(), Lambda2, 3e-4);
        double[] start = w.Sigma.Value.Select(x => (double)x).ToArray();
        float[] sigma = (float[])w.Sigma.Value.Clone();
        var rng = new Random(3);
        cf.PrepareProximal();
        long afterFirst = 0;
        for (int step = 0; step < 10; step++)
        {
            for (int e = 0; e < sigma.Length; e++) sigma[e] += (float)(rng.NextDouble() * 2 - 1) * 1e-3f;
            double[] expected = sigma.Select(x => (double)x).ToArray();
            RetroactiveClosedFormReference.ProximalStep(expected, start, masks, taus, tasks, Lambda2, 3e-4, Enumerable.Repeat(1.0, sigma.Length).ToArray(), w.Geometry);
            cf.ProximalStep(sigma, ReadOnlySpan<float>.Empty, 1f);
            for (int e = 0; e < sigma.Length; e++) Assert.That(sigma[e], Is.EqualTo(expected[e]).Within(1e-6), $"σ[{e}] at step {step}");
            if (step == 0) afterFirst = cf.ProximalSearches;
        }
        Assert.That(cf.ProximalSearches - afterFirst, Is.LessThan(sigma.Length / 20), "searches after the first step");
    }

    [Test]
    public void Proximal_step_names_a_non_finite_sigma()
    {
        var w = LayerWithLearnedTasks([4, 3], 1, 2, 0.5, seed: 1);
        var cf = new RetroactiveClosedForm(w, [0, 1], Lambda2, Kappa);
        float[] sigma = (float[])w.Sigma.Value.Clone();
        sigma[5] = float.NaN;
        var ex = Assert.Throws<NotFiniteNumberException>(() => cf.ProximalStep(sigma, ReadOnlySpan<float>.Empty, 1e-3f));
        Assert.That(ex!.Message, Does.Contain("element 5").And.Contain("σ"));
    }

    [Test]
    public void Closed_form_requires_a_positive_kappa()
    {
        var w = LayerWithLearnedTasks([3, 2], 1, 1, 0.5, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetroactiveClosedForm(w, [0], 100, 0));
    }
}
