using Apd.Engine.Decomposition;
using Apd.Engine.Decomposition.Hooks;
using Apd.Engine.Training;
using static Apd.Engine.Tests.Decomposition.ApdTestUtil;

namespace Apd.Engine.Tests.Decomposition;

/// <summary>λ1 per decomposed layer (ApdObjectiveOptions.L1ByLayer → ProxL1Hook) and the consolidation rules, each against a naive loop.</summary>
[TestFixture]
public class PerLayerL1AndConsolidationRuleTests
{
    private const int Inputs = 10;

    /// <summary>A decomposed MLP (weights fc1.w [10, 12], fc2.w [12, 7]) with task 0 begun and random τ_0 and gradients.</summary>
    private static ApdNetwork WithRandomTau(int seed)
    {
        var net = ApdNetwork.Mlp(Inputs, [12, 7], seed);
        net.BeginTask(0, 3);
        var rng = new Random(seed);
        foreach (var w in net.Weights)
        {
            var tau = w.DenseTau(0);
            RandomFloats(rng, w.Length, 2e-3f).CopyTo(tau.Value, 0);
            RandomFloats(rng, w.Length, 1e-2f).CopyTo(tau.Grad, 0);
        }
        return net;
    }

    private static ProxL1Hook ProxOf(ApdObjectiveOptions options, ApdNetwork net) => options.Hooks(net).OfType<ProxL1Hook>().Single();

    [Test]
    public void L1_of_a_layer_is_its_override_by_weight_or_layer_name_else_the_global_value()
    {
        var options = new ApdObjectiveOptions { L1 = 4e-4, L1ByLayer = new Dictionary<string, double> { ["fc1"] = 1e-5, ["conv2.w"] = 0 } };
        Assert.That(options.L1Of("fc1.w"), Is.EqualTo(1e-5));
        Assert.That(options.L1Of("conv2.w"), Is.EqualTo(0));
        Assert.That(options.L1Of("fc2.w"), Is.EqualTo(4e-4));
        Assert.That(options.L1Of("fc10.w"), Is.EqualTo(4e-4), "a prefix of another layer's name must not match");
        Assert.That(new ApdObjectiveOptions { L1 = 3e-4 }.L1Of("fc1.w"), Is.EqualTo(3e-4));

        var net = WithRandomTau(1);
        Assert.That(ProxOf(options with { L1ByLayer = new Dictionary<string, double> { ["fc2"] = 2e-5 } }, net).Lambda1PerLayer,
            Is.EqualTo(new[] { 4e-4, 2e-5 }));
        var ex = Assert.Throws<ArgumentException>(() => options.Hooks(net));
        Assert.That(ex!.Message, Does.Contain("conv2.w"));
        Assert.Throws<ArgumentException>(() => new ApdObjectiveOptions { L1ByLayer = new Dictionary<string, double> { ["fc1"] = -1 } }.Hooks(net));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Per_layer_prox_applies_each_layers_threshold_like_a_naive_loop(bool adamMetric)
    {
        double[] lambdas = [1e-5, 5e-3];
        var options = new ApdObjectiveOptions { L1 = lambdas[0], L1ByLayer = new Dictionary<string, double> { ["fc2"] = lambdas[1] }, ProxInAdamMetric = adamMetric };
        var net = WithRandomTau(2);
        var before = net.Weights.Select(w => (float[])w.DenseTau(0).Value.Clone()).ToArray();
        var grads = net.Weights.Select(w => (float[])w.DenseTau(0).Grad.Clone()).ToArray();
        const float lr = 0.5f, beta2 = 0.999f, eps = 1e-8f;
        var ctx = new TrainingContext { Model = net, TaskId = 0, LearningRate = lr };
        var hook = ProxOf(options, net);
        hook.BeforeTask(ctx);

        hook.AfterStep(ctx);

        for (int l = 0; l < net.Weights.Count; l++)
        {
            var expected = new float[before[l].Length];
            for (int e = 0; e < expected.Length; e++)
            {
                // One Adam step: v̂ = g² after bias correction; threshold lr·λ1/(√v̂ + ε), or lr·λ1 in the plain metric.
                double v = (1 - beta2) * grads[l][e] * (double)grads[l][e];
                double vHat = v / (1 - beta2);
                double t = adamMetric ? lr * lambdas[l] / (Math.Sqrt(vHat) + eps) : lr * lambdas[l];
                double shrunk = Math.Abs(before[l][e]) - t;
                expected[e] = shrunk > 0 ? (float)Math.CopySign(shrunk, before[l][e]) : 0f;
            }
            AssertClose(net.Weights[l].DenseTau(0).Value, expected, 1e-7, 1e-4, net.Weights[l].Name);
        }
        // The two layers' thresholds differ enough that fc2 loses far more entries than fc1.
        double ZeroFraction(int l) => net.Weights[l].DenseTau(0).Value.Count(x => x == 0) / (double)net.Weights[l].Length;
        Assert.That(ZeroFraction(1), Is.GreaterThan(ZeroFraction(0) + 0.2));
    }

    [Test]
    public void A_zero_lambda_layer_keeps_its_tau_bit_identical()
    {
        var net = WithRandomTau(3);
        var fc1 = (float[])net.Weights[0].DenseTau(0).Value.Clone();
        var ctx = new TrainingContext { Model = net, TaskId = 0, LearningRate = 1f };
        var hook = ProxOf(new ApdObjectiveOptions { L1 = 1e-2, L1ByLayer = new Dictionary<string, double> { ["fc1.w"] = 0 } }, net);
        hook.BeforeTask(ctx);
        hook.AfterStep(ctx);
        Assert.That(net.Weights[0].DenseTau(0).Value, Is.EqualTo(fc1));
        Assert.That(net.Weights[1].DenseTau(0).Value.Count(x => x == 0), Is.GreaterThan(net.Weights[1].Length / 2));
    }

    /// <summary>A layer of 4 sealed tasks whose τ mixes zeros, values that agree within β and values that do not.</summary>
    private static (DecomposedWeight Layer, float[][] Taus) SealedLayer(int seed)
    {
        var w = new DecomposedWeight("fc.w", [6, 50], channelAxis: 1);
        var rng = new Random(seed);
        var common = RandomFloats(rng, w.Length, 0.05f);
        var taus = new float[4][];
        for (int t = 0; t < taus.Length; t++)
        {
            taus[t] = new float[w.Length];
            for (int e = 0; e < w.Length; e++)
            {
                double u = rng.NextDouble();
                taus[t][e] = u < 0.3 ? 0f : u < 0.8 ? common[e] + (float)(rng.NextDouble() - 0.5) * 8e-3f : (float)(rng.NextDouble() - 0.5) * 0.2f;
                // Small magnitudes so that zeros and non-zeros often agree within β.
                if (e % 5 == 0 && taus[t][e] != 0) taus[t][e] = (float)(rng.NextDouble() * 6e-3);
            }
            w.AddSealedTask(t, new float[w.Channels], SparseTau.FromDense(taus[t]));
        }
        return (w, taus);
    }

    [TestCase(ConsolidationRule.AllNonZero)]
    [TestCase(ConsolidationRule.Span)]
    public void Consolidation_rule_moves_exactly_the_entries_a_naive_loop_picks(ConsolidationRule rule)
    {
        const float beta = 1e-2f;
        var (w, taus) = SealedLayer(5);
        int[] tasks = [0, 1, 2, 3];

        long moved = HierarchicalConsolidation.ConsolidateLayer(w, tasks, groups: 1, beta, seed: 3, rule);

        var expectedShared = new float[w.Length];
        var expectedTau = taus.Select(t => (float[])t.Clone()).ToArray();
        long expectedMoved = 0;
        for (int e = 0; e < w.Length; e++)
        {
            var values = taus.Select(t => t[e]).ToArray();
            int nonZero = values.Count(v => v != 0);
            bool qualifies = rule == ConsolidationRule.AllNonZero ? nonZero == values.Length : nonZero >= 2;
            if (!qualifies || values.Max() - values.Min() > beta) continue;
            expectedShared[e] = (values.Max() + values.Min()) / 2;
            foreach (var t in expectedTau) t[e] = 0;
            expectedMoved += nonZero;
        }
        Assert.That(expectedMoved, Is.GreaterThan(0), "the fixture must give the rule something to move");
        Assert.That(moved, Is.EqualTo(expectedMoved));
        Assert.That(w.SharedByGroup[0].ToDense(), Is.EqualTo(expectedShared));
        for (int t = 0; t < tasks.Length; t++)
        {
            Assert.That(w.GroupOf(t), Is.EqualTo(0));
            Assert.That(w.StoredTau(t).ToDense(), Is.EqualTo(expectedTau[t]), $"τ of task {t}");
        }
        for (int t = 0; t < tasks.Length; t++)
            for (int e = 0; e < w.Length; e++)
                Assert.That(Math.Abs(expectedTau[t][e] + w.SharedByGroup[0].ToDense()[e] - taus[t][e]), Is.LessThanOrEqualTo(beta / 2 + 1e-7), $"task {t} element {e}");
    }

    [Test]
    public void Span_rule_saves_at_least_as_much_as_the_all_non_zero_rule()
    {
        var (strict, _) = SealedLayer(9);
        var (span, _) = SealedLayer(9);
        HierarchicalConsolidation.ConsolidateLayer(strict, [0, 1, 2, 3], 2, 1e-2f, 4, ConsolidationRule.AllNonZero);
        HierarchicalConsolidation.ConsolidateLayer(span, [0, 1, 2, 3], 2, 1e-2f, 4, ConsolidationRule.Span);
        static long Count(DecomposedWeight w) => w.TaskIds.Sum(t => (long)w.TauNonZeros(t)) + w.SharedNonZeros();
        Assert.That(Count(span), Is.LessThan(Count(strict)));
    }

    [Test]
    public void Previous_task_start_reproduces_the_previous_tasks_theta_including_its_shared_part()
    {
        var options = new ApdNetworkOptions { TauInit = TauInit.PreviousTask, MaskFromPreviousTask = true };
        var net = ApdNetwork.Mlp(Inputs, [12, 7], seed: 4, options);
        var rng = new Random(8);
        for (int t = 0; t < 3; t++)
        {
            net.BeginTask(t, 3);
            foreach (var w in net.Weights)
            {
                var tau = w.DenseTau(t).Value;
                if (t == 0) Assert.That(tau.All(x => x == 0), "the first task starts from τ = 0");
                for (int e = 0; e < w.Length; e += 2) tau[e] = common(e) + (float)(rng.NextDouble() - 0.5) * 1e-3f;
                RandomFloats(rng, w.Channels, 1f).CopyTo(w.MaskLogits(t).Value, 0);
            }
            net.EndTask(t);
        }
        // Tasks 0..2 agree within β on every other element: consolidation moves those into σ̃ of their group.
        Assert.That(HierarchicalConsolidation.Consolidate(net, groups: 1, tolerance: 1e-2, seed: 1).EntriesMoved, Is.GreaterThan(0));
        Assert.That(net.Weights.All(w => w.SharedNonZeros() > 0));

        net.BeginTask(3, 3);

        foreach (var w in net.Weights)
        {
            var previous = new float[w.Length];
            var start = new float[w.Length];
            w.ComposeTheta(2, previous);
            w.ComposeTheta(3, start);
            AssertClose(start, previous, 1e-6, 1e-6, w.Name);
            Assert.That(w.GroupOf(3), Is.EqualTo(-1), "the new task belongs to no group yet");
        }
        static float common(int e) => 0.01f * (e % 7 - 3);
    }
}
