using System.Text.Json;

namespace Apd.Engine.Tests.Cli;

public sealed class RunResumeTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"apd-resume-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Apd(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = global::Apd.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Matrix(string json) => JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("accuracy_matrix").GetRawText();

    [TestCase("apd")]
    [TestCase("stl")]
    [TestCase("finetune")]
    [TestCase("ewc")]
    [TestCase("l2t")]
    public void A_run_saved_after_two_tasks_and_resumed_matches_the_uninterrupted_run_bit_for_bit(string method)
    {
        string whole = Path.Combine(_dir, "whole.json"), resumed = Path.Combine(_dir, "resumed.json"), checkpoint = Path.Combine(_dir, "run.apdckpt");
        string[] common = ["run", "--bench", "split-digits", "--method", method, "--epochs", "2", "--seed", "4", "--ewc-samples", "20"];
        Assert.That(Apd([.. common, "--json", whole]).Code, Is.Zero);
        var first = Apd([.. common, "--stop-after", "2", "--save", checkpoint]);
        Assert.That(first.Code, Is.Zero, first.Err);
        Assert.That(first.Out, Does.Contain("task 2/5").And.Not.Contain("task 3/5"));

        var second = Apd("run", "--resume", checkpoint, "--json", resumed);
        Assert.That(second.Code, Is.Zero, second.Err);
        Assert.That(second.Out, Does.Contain("2 task(s) already learned").And.Not.Contain("task 2/5 ["));
        Assert.That(Matrix(resumed), Is.EqualTo(Matrix(whole)));
    }

    [Test]
    public void An_apd_run_with_warm_start_span_consolidation_and_per_layer_l1_resumes_bit_for_bit()
    {
        string whole = Path.Combine(_dir, "whole.json"), resumed = Path.Combine(_dir, "resumed.json"), checkpoint = Path.Combine(_dir, "run.apdckpt");
        string[] common = ["run", "--bench", "split-digits", "--method", "apd", "--epochs", "2", "--seed", "6", "--consolidate-every", "2",
            "--l1", "1e-4", "--l1-layer", "fc2=4e-4", "--tau-init", "previous", "--mask-init", "previous", "--consolidation", "span"];
        Assert.That(Apd([.. common, "--json", whole]).Code, Is.Zero);
        var first = Apd([.. common, "--stop-after", "2", "--save", checkpoint]);
        Assert.That(first.Code, Is.Zero, first.Err);

        var second = Apd("run", "--resume", checkpoint, "--json", resumed);
        Assert.That(second.Code, Is.Zero, second.Err);
        Assert.That(Matrix(resumed), Is.EqualTo(Matrix(whole)));
        var apd = JsonDocument.Parse(File.ReadAllText(resumed)).RootElement.GetProperty("config").GetProperty("apd");
        Assert.That(apd.GetProperty("l1_by_layer").GetProperty("fc2").GetDouble(), Is.EqualTo(4e-4));
        Assert.That(apd.GetProperty("consolidation").GetString(), Is.EqualTo("span"));
        Assert.That(apd.GetProperty("tau_init").GetString(), Is.EqualTo("previous"));
    }

    [Test]
    public void A_hostile_apd_checkpoint_with_a_valid_hash_is_refused_with_a_clear_message()
    {
        string checkpoint = Path.Combine(_dir, "run.apdckpt");
        var first = Apd("run", "--bench", "split-digits", "--method", "apd", "--epochs", "1", "--stop-after", "1", "--save", checkpoint);
        Assert.That(first.Code, Is.Zero, first.Err);

        var state = global::Apd.Engine.Checkpoints.CheckpointFile.Load(checkpoint);
        var hostile = new global::Apd.Engine.Checkpoints.ModelState(state.Kind);
        foreach (var (k, v) in state.Properties) hostile.Properties[k] = v;
        foreach (var t in state.Tensors)
            hostile.Add(t.Name == "apd.tau/fc1.w/0/indices" ? global::Apd.Engine.Checkpoints.NamedTensor.Of(t.Name, [1], [-7]) : t);
        global::Apd.Engine.Checkpoints.CheckpointFile.Save(checkpoint, hostile);

        var resumed = Apd("run", "--resume", checkpoint);
        Assert.That(resumed.Code, Is.EqualTo(1));
        Assert.That(resumed.Err, Does.Contain("tensor 'apd.tau/fc1.w/0/indices': index -7 at position 0 is outside 0..6399").And.Not.Contain("   at "));

        state.Properties["architecture"] = "mlp-100";
        var other = new global::Apd.Engine.Checkpoints.ModelState(state.Kind);
        foreach (var (k, v) in state.Properties) other.Properties[k] = v;
        foreach (var t in state.Tensors) other.Add(t);
        global::Apd.Engine.Checkpoints.CheckpointFile.Save(checkpoint, other);
        var mismatched = Apd("run", "--resume", checkpoint);
        Assert.That(mismatched.Code, Is.EqualTo(1));
        Assert.That(mismatched.Err, Does.Contain("the checkpoint's network is mlp-100 [1,8,8], the benchmark needs mlp-100-100 [1,8,8]").And.Not.Contain("   at "));
    }

    [Test]
    public void Resuming_with_different_settings_or_a_damaged_file_fails_clearly()
    {
        string checkpoint = Path.Combine(_dir, "run.apdckpt");
        Assert.That(Apd("run", "--bench", "split-digits", "--method", "stl", "--epochs", "1", "--stop-after", "1", "--save", checkpoint).Code, Is.Zero);

        var seed = Apd("run", "--resume", checkpoint, "--seed", "9");
        Assert.That((seed.Code, seed.Err), Is.EqualTo((2, "apd run: --seed 9 does not match the checkpoint (1)" + Environment.NewLine)));
        var epochs = Apd("run", "--resume", checkpoint, "--epochs", "3");
        Assert.That(epochs.Err, Does.Contain("--epochs cannot change when resuming"));

        byte[] bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 2)]);
        var damaged = Apd("run", "--resume", checkpoint);
        Assert.That(damaged.Code, Is.EqualTo(1));
        Assert.That(damaged.Err, Does.Contain($"checkpoint {checkpoint}: truncated").And.Not.Contain("   at "));
    }
}
