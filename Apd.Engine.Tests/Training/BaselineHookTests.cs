using Apd.Engine.Tensors;
using Apd.Engine.Training;
using Apd.Engine.Training.Baselines;

namespace Apd.Engine.Tests.Training;

public sealed class BaselineHookTests
{
    private static readonly TrainerOptions Fast = new() { Epochs = 3, BatchSize = 16, LearningRate = 0.05f, Seed = 3 };

    [Test]
    public void Ewc_fisher_of_one_sample_is_the_squared_hand_computed_gradient()
    {
        // z = V·(W·x) + b, p = softmax(z): ∂CE/∂W[k,i] = (Vᵀ(p − onehot(y)))[k] · x[i].
        var task = SyntheticTasks.Make(tasks: 1, classes: 3, trainPerTask: 4, testPerTask: 2, seed: 4)[0];
        var model = new MultiHeadSoftmaxRegression(1, 2, 4, hidden: 5, seed: 8);
        model.BeginTask(0, 3);
        var v = model.TrainableParameters(0)[1];
        var b = model.TrainableParameters(0)[2];
        for (int i = 0; i < v.Length; i++) v.Value[i] = (float)Math.Sin(i + 1);
        for (int i = 0; i < b.Length; i++) b.Value[i] = 0.1f * i;

        var ewc = new EwcHook([model.W], lambda: 1f, fisherSamples: 1);
        ewc.AfterTask(new TrainingContext { Model = model, TaskId = 0, TrainData = task.Train });

        var x = task.Train.Sample(0).ToArray();
        int y = task.Train.Labels[0];
        var h = new double[5];
        for (int k = 0; k < 5; k++) for (int i = 0; i < 8; i++) h[k] += model.W.Value[k * 8 + i] * (double)x[i];
        var z = new double[3];
        for (int c = 0; c < 3; c++) { z[c] = b.Value[c]; for (int k = 0; k < 5; k++) z[c] += v.Value[c * 5 + k] * h[k]; }
        double max = z.Max(), sum = z.Sum(t => Math.Exp(t - max));
        var dz = z.Select((t, c) => Math.Exp(t - max) / sum - (c == y ? 1 : 0)).ToArray();
        for (int k = 0; k < 5; k++)
        {
            double dh = 0;
            for (int c = 0; c < 3; c++) dh += v.Value[c * 5 + k] * dz[c];
            for (int i = 0; i < 8; i++)
            {
                double g = dh * x[i];
                Assert.That(ewc.FisherSum[0][k * 8 + i], Is.EqualTo(g * g).Within(1e-6 * (1 + g * g)), $"F[{k},{i}]");
            }
        }
        Assert.That(model.W.Grad, Is.All.EqualTo(0f), "the Fisher pass leaves gradients cleared");
    }

    [Test]
    public void Ewc_penalty_equals_the_explicit_sum_over_tasks_and_its_gradient_matches_finite_differences()
    {
        var tasks = SyntheticTasks.Make(tasks: 2, classes: 2, trainPerTask: 30, testPerTask: 4, seed: 6);
        var model = new MultiHeadSoftmaxRegression(1, 2, 4, hidden: 3, seed: 2);
        const float lambda = 0.7f;
        var ewc = new EwcHook([model.W], lambda, fisherSamples: 10);
        var fishers = new List<double[]>();
        var anchors = new List<float[]>();
        var trainer = new ContinualTrainer(model, Fast with { Epochs = 1 }, ewc, new SnapshotHook(ewc, model.W, fishers, anchors));
        trainer.Run(tasks);
        Assert.That(fishers, Has.Count.EqualTo(2));
        Assert.That(fishers[1].Max(), Is.GreaterThan(0));

        // Move W away from both anchors, then compare with Σ_k (λ/2) Σ_j F_k (w − w_k)².
        var rng = new Random(3);
        for (int j = 0; j < model.W.Length; j++) model.W.Value[j] += (float)(rng.NextDouble() - 0.5);
        double Explicit()
        {
            double s = 0;
            for (int k = 0; k < 2; k++)
                for (int j = 0; j < model.W.Length; j++)
                {
                    double d = model.W.Value[j] - (double)anchors[k][j];
                    s += fishers[k][j] * d * d;
                }
            return 0.5 * lambda * s;
        }
        var ctx = new TrainingContext { Model = model, TaskId = 1 };
        model.W.ZeroGrad();
        double penalty = ewc.AfterBackward(ctx);
        Assert.That(penalty, Is.EqualTo(Explicit()).Within(1e-6 * penalty));
        float[] grad = model.W.Grad.ToArray();
        for (int j = 0; j < model.W.Length; j += 5)
        {
            double saved = model.W.Value[j], step = 1e-2;
            model.W.Value[j] = (float)(saved + step);
            double up = Explicit();
            model.W.Value[j] = (float)(saved - step);
            double down = Explicit();
            model.W.Value[j] = (float)saved;
            Assert.That(grad[j], Is.EqualTo((up - down) / (2 * step)).Within(1e-4 + 1e-3 * Math.Abs(grad[j])), $"∂penalty/∂W[{j}]");
        }
    }

    [Test]
    public void L2_transfer_adds_lambda_times_the_distance_to_the_previous_task_weights()
    {
        var w = new Parameter("w", 3);
        var hook = new L2TransferHook([w], lambda: 2f);
        var ctx = new TrainingContext { Model = new MultiHeadSoftmaxRegression(1, 1, 1, 1, 1) };
        Assert.That(hook.AfterBackward(ctx), Is.Zero, "no penalty while learning the first task");
        Assert.That(w.Grad, Is.All.EqualTo(0f));
        float[] anchor = [1f, -2f, 0.5f];
        anchor.CopyTo(w.Value, 0);
        hook.AfterTask(ctx);
        float[] now = [1.5f, -2f, -0.5f];
        now.CopyTo(w.Value, 0);
        double loss = hook.AfterBackward(ctx);
        Assert.That(loss, Is.EqualTo(0.5 * 2 * (0.25 + 0 + 1)).Within(1e-12));
        Assert.That(w.Grad, Is.EqualTo(new[] { 1f, 0f, -2f }));
    }

    [TestCase("ewc")]
    [TestCase("l2t")]
    public void A_strong_penalty_keeps_the_shared_weights_near_the_previous_task(string method)
    {
        // Task 0 trains identically with and without the hook (no penalty yet), so both runs start
        // task 1 from the same W. EWC's distance is weighted by task 0's Fisher, L2-transfer's is plain.
        var tasks = SyntheticTasks.Make(tasks: 2, classes: 3, trainPerTask: 96, testPerTask: 4, seed: 12);
        var ewc = new List<EwcHook>();
        double[]? weights = null;
        double Drift(bool penalised)
        {
            var model = new MultiHeadSoftmaxRegression(1, 2, 4, hidden: 6, seed: 5);
            ITrainingHook[] hooks = !penalised ? [] : method == "ewc" ? [Add(new EwcHook([model.W], lambda: 1e3f, fisherSamples: 50))] : [new L2TransferHook([model.W], lambda: 100f)];
            var trainer = new ContinualTrainer(model, Fast, hooks);
            trainer.Run([tasks[0]]);
            float[] after0 = model.W.Value.ToArray();
            weights ??= method == "ewc" && penalised ? (double[])ewc[0].FisherSum[0].Clone() : null;
            trainer.Run([tasks[1]]);
            return after0.Select((a, j) => (weights?[j] ?? 1.0) * (a - model.W.Value[j]) * (a - model.W.Value[j])).Sum();
        }
        double held = Drift(penalised: true);
        double free = Drift(penalised: false);
        Assert.That(held, Is.LessThan(0.1 * free), $"{(method == "ewc" ? "Fisher-weighted " : "")}squared drift of W with {method}: {held:G3}, without: {free:G3}");

        EwcHook Add(EwcHook h)
        {
            ewc.Add(h);
            return h;
        }
    }

    /// <summary>Records each task's Fisher (difference of the running sums) and anchor after the EWC hook ran.</summary>
    private sealed class SnapshotHook(EwcHook ewc, Parameter w, List<double[]> fishers, List<float[]> anchors) : ITrainingHook
    {
        private double[] _seen = new double[w.Length];

        public void AfterTask(TrainingContext ctx)
        {
            double[] sum = ewc.FisherSum[0];
            fishers.Add(sum.Select((s, j) => s - _seen[j]).ToArray());
            _seen = (double[])sum.Clone();
            anchors.Add(w.Value.ToArray());
        }
    }
}
