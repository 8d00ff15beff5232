using Apd.Engine.Decomposition;
using Apd.Engine.Decomposition.Hooks;
using Apd.Engine.Tensors;
using Apd.Engine.Training;
using static Apd.Engine.Tests.Decomposition.ApdTestUtil;

namespace Apd.Engine.Tests.Decomposition;

[TestFixture]
public class ApdNetworkTests
{
    private const int Inputs = 12, Batch = 5;

    /// <summary>A small decomposed MLP with <paramref name="tasks"/> learned tasks whose σ, v and τ were moved randomly.</summary>
    private static ApdNetwork Learned(int tasks, int seed, double density = 0.3)
    {
        var net = ApdNetwork.Mlp(Inputs, [16, 8], seed);
        var rng = new Random(seed);
        for (int t = 0; t < tasks; t++)
        {
            net.BeginTask(t, 3 + t % 2);
            foreach (var w in net.Weights)
            {
                for (int e = 0; e < w.Length; e++)
                {
                    w.Sigma.Value[e] += (float)(rng.NextDouble() - 0.5) * 0.01f;
                    if (rng.NextDouble() < density) w.DenseTau(t).Value[e] = (float)(rng.NextDouble() - 0.5) * 0.1f;
                }
                RandomFloats(rng, w.Channels, 2f).CopyTo(w.MaskLogits(t).Value, 0);
            }
            net.EndTask(t);
        }
        return net;
    }

    private static float[] Predict(ApdNetwork net, int task, float[] x)
    {
        var y = new float[Batch * net.Classes(task)];
        net.Predict(task, x, Batch, y);
        return y;
    }

    [Test]
    public void Forget_removes_the_task_and_leaves_every_other_task_bit_identical()
    {
        var net = Learned(4, seed: 3);
        float[] x = RandomFloats(new Random(1), Batch * Inputs);
        var before = Enumerable.Range(0, 4).Select(t => Predict(net, t, x)).ToArray();
        var capacityBefore = net.Capacity();

        net.Forget(2);

        foreach (int t in new[] { 0, 1, 3 })
        {
            float[] after = Predict(net, t, x);
            for (int k = 0; k < after.Length; k++)
                Assert.That(BitConverter.SingleToInt32Bits(after[k]), Is.EqualTo(BitConverter.SingleToInt32Bits(before[t][k])), $"task {t} logit {k}");
        }
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Predict(net, 2, x));
        Assert.That(ex!.Message, Does.Contain("unknown task id 2"));
        Assert.That(net.Capacity().TaskAdaptiveNonZeros, Is.LessThan(capacityBefore.TaskAdaptiveNonZeros));
        Assert.That(net.LearnedTasks, Is.EqualTo(new[] { 0, 1, 3 }));
        Assert.That(net.Weights.All(w => !w.HasTask(2)));
    }

    [Test]
    public void Consolidation_keeps_each_theta_within_half_beta_and_never_raises_capacity()
    {
        var net = Learned(6, seed: 5, density: 0.5);
        // Make tasks 0, 2, 4 agree (within β) on a block of entries so that there is something to share.
        var rng = new Random(7);
        foreach (var w in net.Weights)
            for (int e = 0; e < w.Length; e += 3)
            {
                float common = (float)(rng.NextDouble() - 0.5) * 0.2f;
                foreach (int t in new[] { 0, 2, 4 })
                {
                    float[] tau = w.StoredTau(t).ToDense();
                    tau[e] = common + (float)(rng.NextDouble() - 0.5) * 0.004f;
                    w.ReplaceStoredTau(t, SparseTau.FromDense(tau));
                }
            }
        var thetaBefore = ThetaOfAll(net);
        var capacityBefore = net.Capacity();
        var zerosBefore = net.Weights.SelectMany(w => net.LearnedTasks.Select(t =>
            ($"{w.Name} task {t}", w.StoredTau(t).ToDense().Select((v, e) => (v, e)).Where(p => p.v == 0).Select(p => p.e).ToArray()))).ToList();
        const double beta = 1e-2;

        var report = HierarchicalConsolidation.Consolidate(net, groups: 2, tolerance: beta, seed: 11);

        Assert.That(report.EntriesMoved, Is.GreaterThan(0));
        Assert.That(report.NonZerosAfter, Is.LessThan(report.NonZerosBefore));
        Assert.That(net.Capacity().Capacity, Is.LessThan(capacityBefore.Capacity));
        var thetaAfter = ThetaOfAll(net);
        foreach (var (key, theta) in thetaBefore)
            for (int e = 0; e < theta.Length; e++)
                Assert.That(Math.Abs(thetaAfter[key][e] - theta[e]), Is.LessThanOrEqualTo(beta / 2 + 1e-6), $"{key} element {e}");
        // A task with τ_i,e = 0 never receives a shared value there: its θ_i,e is untouched.
        foreach (var (key, zeros) in zerosBefore)
            foreach (int e in zeros)
                Assert.That(thetaAfter[key][e], Is.EqualTo(thetaBefore[key][e]).Within(1e-6), $"{key} element {e} had τ = 0");

        // Consolidating again (hierarchically, with σ̃ folded back first) is deterministic and still within tolerance.
        var again = Learned(6, seed: 5, density: 0.5);
        Assert.That(HierarchicalConsolidation.Consolidate(again, 2, beta, 11).NonZerosAfter,
            Is.EqualTo(HierarchicalConsolidation.Consolidate(Learned(6, seed: 5, density: 0.5), 2, beta, 11).NonZerosAfter));
        HierarchicalConsolidation.Consolidate(net, 2, beta, 12);
        foreach (var (key, theta) in ThetaOfAll(net))
            for (int e = 0; e < theta.Length; e++)
                Assert.That(Math.Abs(thetaBefore[key][e] - theta[e]), Is.LessThanOrEqualTo(beta + 1e-6), $"{key} element {e} after a second round");
    }

    private static Dictionary<string, float[]> ThetaOfAll(ApdNetwork net)
    {
        var all = new Dictionary<string, float[]>();
        foreach (var w in net.Weights)
            foreach (int t in net.LearnedTasks)
            {
                var theta = new float[w.Length];
                w.ComposeTheta(t, theta);
                all[$"{w.Name} task {t}"] = theta;
            }
        return all;
    }

    [Test]
    public void Non_finite_gradient_stops_with_an_error_naming_task_step_and_tensor()
    {
        var p = new Parameter("fc1.w.sigma", 4, 3);
        p.Grad[7] = float.NaN;
        var ctx = new TrainingContext { Model = Learned(1, 1), TaskId = 3, Epoch = 1, Step = 42, Parameters = [new Parameter("ok", 2), p] };
        var ex = Assert.Throws<NonFiniteValueException>(() => new NonFiniteGradientGuard().AfterBackward(ctx));
        Assert.That(ex!.Message, Does.Contain("task 3").And.Contain("step 42").And.Contain("fc1.w.sigma").And.Contain("element 7"));
        p.Grad[7] = 0;
        p.Value[2] = float.PositiveInfinity;
        Assert.That(new NonFiniteGradientGuard().AfterBackward(ctx), Is.EqualTo(0));
        Assert.Throws<NonFiniteValueException>(() => new NonFiniteGradientGuard().AfterStep(ctx));
    }

    [Test]
    public void Prox_hook_leaves_exact_zeros_in_the_current_tau()
    {
        var net = ApdNetwork.Mlp(Inputs, [6], seed: 2);
        net.BeginTask(0, 2);
        var tau = net.Weights[0].DenseTau(0).Value;
        var rng = new Random(3);
        for (int e = 0; e < tau.Length; e++) tau[e] = (float)(rng.NextDouble() - 0.5) * 2e-3f;
        new ProxL1Hook(net, 4e-4).AfterStep(new TrainingContext { Model = net, TaskId = 0, LearningRate = 1f });
        Assert.That(tau.Count(v => v == 0), Is.GreaterThan(tau.Length / 4));
        Assert.That(tau.All(v => v == 0 || Math.Abs(v) <= 6e-4f));
    }

    [Test]
    public void Decomposed_network_gradient_matches_finite_differences_on_sigma_mask_and_tau()
    {
        var net = Learned(1, seed: 9);
        net.BeginTask(1, 3);
        var rng = new Random(4);
        foreach (var w in net.Weights) RandomFloats(rng, w.Length, 0.05f).CopyTo(w.DenseTau(1).Value, 0);
        float[] x = RandomFloats(rng, Batch * Inputs);
        float[] gy = RandomFloats(rng, Batch * 3);
        double Objective()
        {
            var y = new float[Batch * 3];
            net.Forward(1, x, Batch, y);
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)gy[i] * y[i];
            return s;
        }
        Objective();
        foreach (var p in net.TrainableParameters(1)) p.ZeroGrad();
        net.Backward(1, gy, Batch);
        foreach (var p in net.TrainableParameters(1))
        {
            for (int k = 0; k < Math.Min(p.Length, 12); k++)
            {
                int e = (k * 7919) % p.Length;
                float keep = p.Value[e];
                const float h = 1e-3f;
                p.Value[e] = keep + h;
                double up = Objective();
                p.Value[e] = keep - h;
                double down = Objective();
                p.Value[e] = keep;
                double numeric = (up - down) / (2 * h);
                Assert.That(p.Grad[e], Is.EqualTo(numeric).Within(1e-3 + 1e-2 * Math.Abs(numeric)), $"{p.Name}[{e}]");
            }
        }
    }
}
