using Apd.Engine.Checkpoints;
using Apd.Engine.Decomposition;
using Apd.Engine.Layers;
using Apd.Engine.Tests.Training;
using Apd.Engine.Training;

namespace Apd.Engine.Tests.Checkpoints;

public sealed class ApdCheckpointTests
{
    private static readonly NetworkArchitecture Architecture = NetworkArchitecture.Mlp(1, 1, 8, 16, 12);
    private static readonly TaskData[] Tasks = SyntheticTasks.Make(tasks: 4, classes: 3, trainPerTask: 120, testPerTask: 60, seed: 5);

    private string _dir = "";

    [SetUp]
    public void CreateFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"apd-apdckpt-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static ApdObjectiveOptions Objective(RetroactiveForm form) => new()
    {
        ConsolidateEvery = 2,
        ConsolidationGroups = 1,
        ConsolidationTolerance = 0.05,
        Retroactive = form,
        TrainOldMasks = form == RetroactiveForm.Joint,
        Seed = 7,
    };

    private static ContinualTrainer Trainer(ApdNetwork network, ApdObjectiveOptions objective, out ITrainingHook[] hooks)
    {
        hooks = [.. objective.Hooks(network)];
        return new ContinualTrainer(network, new TrainerOptions { Epochs = 2, BatchSize = 40, Seed = 7 }, hooks);
    }

    private ApdNetwork ThroughFile(ModelState state)
    {
        string path = Path.Combine(_dir, "apd.apdckpt");
        CheckpointFile.Save(path, state);
        return ApdNetwork.Restore(CheckpointFile.Load(path));
    }

    private static float[] Logits(ApdNetwork network, int task)
    {
        var test = Tasks[task].Test;
        var logits = new float[test.Count * network.Classes(task)];
        network.Predict(task, test.Images, test.Count, logits);
        return logits;
    }

    [TestCase(RetroactiveForm.ClosedForm)]
    [TestCase(RetroactiveForm.ClosedFormGradient)]
    [TestCase(RetroactiveForm.Joint)]
    public void A_run_stopped_after_two_tasks_and_resumed_from_a_checkpoint_matches_the_uninterrupted_run_bit_for_bit(RetroactiveForm form)
    {
        var whole = Trainer(new ApdNetwork(Architecture, 3), Objective(form), out _).Run(Tasks);

        var first = new ApdNetwork(Architecture, 3);
        var firstTrainer = Trainer(first, Objective(form), out var firstHooks);
        var earlier = firstTrainer.Run(Tasks[..2]);
        Assert.That(first.Weights.Sum(w => w.SharedNonZeros()), Is.GreaterThan(0), "consolidation after task 2 should have made a σ̃_g to save");
        var state = first.ExportState();
        foreach (var h in firstHooks) ((ICheckpointableHook)h).ExportState(state);

        var restored = ThroughFile(state);
        var resumed = Trainer(restored, Objective(form), out var hooks);
        foreach (var h in hooks) ((ICheckpointableHook)h).RestoreState(state);
        var result = resumed.Run(Tasks, earlier);

        Assert.That(result.Accuracy.ToJagged(), Is.EqualTo(whole.Accuracy.ToJagged()));
    }

    [Test]
    public void Round_trip_keeps_every_task_output_capacity_and_forgotten_ids_bit_for_bit()
    {
        var network = new ApdNetwork(Architecture, 11, new ApdNetworkOptions { MaskLogitInit = 0.25f, MaskFromPreviousTask = true });
        Trainer(network, Objective(RetroactiveForm.ClosedForm), out _).Run(Tasks[..3]);
        network.Forget(1);

        var back = ThroughFile(network.ExportState());

        Assert.That(back.LearnedTasks, Is.EqualTo(new[] { 0, 2 }));
        Assert.That(back.ForgottenTasks, Is.EqualTo(new[] { 1 }));
        Assert.That(back.Options, Is.EqualTo(network.Options));
        Assert.That(back.CurrentTask, Is.EqualTo(network.CurrentTask));
        Assert.That(back.Capacity(), Is.EqualTo(network.Capacity()));
        foreach (int t in network.LearnedTasks) Assert.That(Logits(back, t), Is.EqualTo(Logits(network, t)), $"task {t}");
        Assert.Throws<ArgumentOutOfRangeException>(() => back.Predict(1, Tasks[1].Test.Images, 1, new float[3]));

        // A later task starts from the same head, masks and τ in both (the head initialiser's position is restored).
        network.BeginTask(3, 3);
        back.BeginTask(3, 3);
        var expected = network.TrainableParameters(3);
        var actual = back.TrainableParameters(3);
        Assert.That(actual.Select(p => p.Name), Is.EqualTo(expected.Select(p => p.Name)));
        for (int i = 0; i < expected.Count; i++) Assert.That(actual[i].Value, Is.EqualTo(expected[i].Value), expected[i].Name);
    }

    [Test]
    public void A_network_mid_task_or_from_a_custom_builder_is_not_exported()
    {
        var custom = ApdNetwork.Mlp(8, [4], 1);
        Assert.That(() => custom.ExportState(), Throws.InvalidOperationException.With.Message.Contains("custom layer builder"));
        var network = new ApdNetwork(Architecture, 1);
        network.BeginTask(0, 3);
        Assert.That(() => network.ExportState(), Throws.InvalidOperationException.With.Message.Contains("still being learned"));
    }

    private static ModelState Saved()
    {
        var network = new ApdNetwork(Architecture, 2);
        Trainer(network, Objective(RetroactiveForm.ClosedForm), out _).Run(Tasks[..2]);
        return network.ExportState();
    }

    /// <summary>A copy of <paramref name="state"/> with some tensors replaced (null drops one) and some properties set.</summary>
    private static ModelState Tampered(ModelState state, Func<NamedTensor, NamedTensor?> tensor, params (string Name, string Value)[] properties)
    {
        var copy = new ModelState(state.Kind);
        foreach (var (k, v) in state.Properties) copy.Properties[k] = v;
        foreach (var (k, v) in properties) copy.Properties[k] = v;
        foreach (var t in state.Tensors)
            if (tensor(t) is { } kept) copy.Add(kept);
        return copy;
    }

    private static NamedTensor? Keep(NamedTensor t) => t;

    private static string FirstTau(ModelState state) => state.Tensors.First(t => t.Name.StartsWith("apd.tau/", StringComparison.Ordinal) && t.Name.EndsWith("/indices", StringComparison.Ordinal) && t.Count >= 2).Name;

    private static IEnumerable<TestCaseData> Hostile()
    {
        yield return new TestCaseData("index out of range", (Func<ModelState, ModelState>)(s =>
        {
            string name = FirstTau(s);
            return Tampered(s, t => t.Name == name ? NamedTensor.Of(t.Name, t.Shape, [.. t.Ints!.SkipLast(1), int.MaxValue]) : t);
        }), "outside 0..");
        yield return new TestCaseData("indices not increasing", (Func<ModelState, ModelState>)(s =>
        {
            string name = FirstTau(s);
            return Tampered(s, t => t.Name == name ? NamedTensor.Of(t.Name, t.Shape, [t.Ints![1], t.Ints[0], .. t.Ints.Skip(2)]) : t);
        }), "strictly increasing");
        yield return new TestCaseData("values of another length", (Func<ModelState, ModelState>)(s =>
        {
            string name = FirstTau(s).Replace("/indices", "/values", StringComparison.Ordinal);
            return Tampered(s, t => t.Name == name ? NamedTensor.Of(t.Name, [1], [1f]) : t);
        }), "/values' is [1]");
        yield return new TestCaseData("σ of another shape", (Func<ModelState, ModelState>)(s =>
            Tampered(s, t => t.Name == "apd.sigma/fc1.w" ? NamedTensor.Of(t.Name, [t.Shape[1], t.Shape[0]], t.Floats!) : t)), "tensor 'apd.sigma/fc1.w' is [16,8]");
        yield return new TestCaseData("mask logits stored as int32", (Func<ModelState, ModelState>)(s =>
            Tampered(s, t => t.Name == "apd.v/fc2.w/0" ? NamedTensor.Of(t.Name, t.Shape, new int[t.Count]) : t)), "tensor 'apd.v/fc2.w/0' is [12] (not float32)");
        yield return new TestCaseData("missing mask logits", (Func<ModelState, ModelState>)(s =>
            Tampered(s, t => t.Name == "apd.v/fc1.w/1" ? null : t)), "no tensor 'apd.v/fc1.w/1'");
        yield return new TestCaseData("huge architecture", (Func<ModelState, ModelState>)(s =>
            Tampered(s, Keep, ("architecture", "mlp-2000000000-2000000000"))), "needs");
        yield return new TestCaseData("huge input", (Func<ModelState, ModelState>)(s =>
            Tampered(s, Keep, ("input", "2000000000,2000000000,2000000000"))), "needs");
        yield return new TestCaseData("huge task id", (Func<ModelState, ModelState>)(s =>
            Tampered(s, Keep, ("tasks", "0,2000000000"))), "property 'tasks'");
        yield return new TestCaseData("task count mismatch", (Func<ModelState, ModelState>)(s =>
            Tampered(s, Keep, ("task_classes", "3"))), "task_classes");
        yield return new TestCaseData("head of another size", (Func<ModelState, ModelState>)(s =>
            Tampered(s, Keep, ("task_classes", "3,100000000"))), "apd.head/head1.w");
        yield return new TestCaseData("forgotten and registered", (Func<ModelState, ModelState>)(s =>
            Tampered(s, Keep, ("forgotten", "1"))), "both registered and forgotten");
        yield return new TestCaseData("negative shared group", (Func<ModelState, ModelState>)(s =>
            Tampered(s, t => t.Name == "apd.shared_groups/fc1.w" ? NamedTensor.Of(t.Name, [1], [-5]) : t)), "group id -5");
        yield return new TestCaseData("another model kind", (Func<ModelState, ModelState>)(s =>
        {
            var other = new ModelState("finetune");
            foreach (var t in s.Tensors) other.Add(t);
            return other;
        }), "not an apd model");
    }

    [TestCaseSource(nameof(Hostile))]
    public void A_tampered_state_with_a_valid_file_hash_is_refused_naming_what_is_wrong(string what, Func<ModelState, ModelState> tamper, string message)
    {
        var state = tamper(Saved());
        Assert.That(() => ThroughFile(state), Throws.TypeOf<InvalidDataException>().With.Message.Contains(message), what);
    }
}
