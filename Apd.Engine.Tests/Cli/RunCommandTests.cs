using System.Text.Json;

namespace Apd.Engine.Tests.Cli;

public sealed class RunCommandTests
{
    private static (int Code, string Out, string Err) Apd(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = global::Apd.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string TempJson() => Path.Combine(Path.GetTempPath(), $"apd-run-test-{Guid.NewGuid():N}", "results.json");

    [Test]
    public void Split_digits_run_writes_the_documented_results_schema()
    {
        string json = TempJson();
        try
        {
            var (code, output, err) = Apd("run", "--bench", "split-digits", "--method", "finetune", "--epochs", "2", "--seed", "3", "--json", json);
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(output, Does.Contain("task 5/5").And.Contain("accuracy matrix").And.Contain("ACC "));

            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var root = doc.RootElement;
            Assert.That(root.GetProperty("schema").GetString(), Is.EqualTo("apd-run/1"));
            Assert.That(root.GetProperty("seed").GetInt32(), Is.EqualTo(3));
            var rows = root.GetProperty("accuracy_matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();
            Assert.That(rows.Select(r => r.Length), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
            Assert.That(rows.SelectMany(r => r), Is.All.InRange(0.0, 1.0));
            Assert.That(root.GetProperty("final_avg_accuracy").GetDouble(), Is.EqualTo(rows[^1].Average()).Within(1e-12));
            double bwt = Enumerable.Range(0, 4).Average(j => rows[4][j] - rows[j][j]);
            Assert.That(root.GetProperty("bwt").GetDouble(), Is.EqualTo(bwt).Within(1e-12));
            Assert.That(root.GetProperty("forgetting").GetDouble(), Is.GreaterThanOrEqualTo(-1));
            foreach (string list in new[] { "capacity", "seconds_per_task", "ms_per_step", "task_order" })
                Assert.That(root.GetProperty(list).GetArrayLength(), Is.EqualTo(5), list);
            Assert.That(root.GetProperty("capacity").EnumerateArray().Select(c => c.GetDouble()), Is.All.EqualTo(1.0));
            Assert.That(root.GetProperty("config").GetProperty("network").GetString(), Is.EqualTo("mlp-100-100"));
            Assert.That(root.GetProperty("versions").GetProperty("runtime").GetString(), Does.StartWith(".NET"));
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(json)!), Has.Length.EqualTo(1), "no temporary file left behind");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(json)!, recursive: true);
        }
    }

    [Test]
    public void Same_seed_gives_the_same_accuracy_matrix_bits()
    {
        string a = TempJson(), b = TempJson();
        try
        {
            Assert.That(Apd("run", "--bench", "split-digits", "--method", "stl", "--epochs", "2", "--seed", "5", "--json", a).Code, Is.Zero);
            Assert.That(Apd("run", "--bench", "split-digits", "--method", "stl", "--epochs", "2", "--seed", "5", "--json", b).Code, Is.Zero);
            string Matrix(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("accuracy_matrix").GetRawText();
            Assert.That(Matrix(a), Is.EqualTo(Matrix(b)));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(a)!, recursive: true);
            Directory.Delete(Path.GetDirectoryName(b)!, recursive: true);
        }
    }

    [Test]
    public void Apd_on_split_digits_is_deterministic_and_records_its_coefficients()
    {
        string a = TempJson(), b = TempJson();
        try
        {
            string[] args = ["run", "--bench", "split-digits", "--method", "apd", "--epochs", "3", "--seed", "2", "--l1", "0.001", "--lambda-retro", "50"];
            var first = Apd([.. args, "--json", a]);
            Assert.That(first.Code, Is.Zero, first.Err);
            Assert.That(Apd([.. args, "--json", b]).Code, Is.Zero);
            var root = JsonDocument.Parse(File.ReadAllText(a)).RootElement;
            Assert.That(root.GetProperty("accuracy_matrix").GetRawText(), Is.EqualTo(JsonDocument.Parse(File.ReadAllText(b)).RootElement.GetProperty("accuracy_matrix").GetRawText()));
            var apd = root.GetProperty("config").GetProperty("apd");
            Assert.That(apd.GetProperty("l1").GetDouble(), Is.EqualTo(0.001));
            Assert.That(apd.GetProperty("lambda_retro").GetDouble(), Is.EqualTo(50));
            Assert.That(apd.GetProperty("retroactive").GetString(), Is.EqualTo("closed"));
            var capacity = root.GetProperty("capacity").EnumerateArray().Select(c => c.GetDouble()).ToArray();
            Assert.That(capacity, Has.Length.EqualTo(5).And.All.GreaterThanOrEqualTo(0.5));
            Assert.That(root.GetProperty("capacity_detail")[4].GetProperty("task_adaptive_nonzeros").GetInt64(), Is.GreaterThan(0));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(a)!, recursive: true);
            Directory.Delete(Path.GetDirectoryName(b)!, recursive: true);
        }
    }

    [Test]
    public void Apd_warm_start_span_consolidation_and_per_layer_l1_are_applied_and_recorded()
    {
        string plain = TempJson(), tuned = TempJson();
        try
        {
            string[] args = ["run", "--bench", "split-digits", "--method", "apd", "--epochs", "2", "--seed", "4", "--consolidate-every", "2"];
            Assert.That(Apd([.. args, "--tau-init", "zero", "--mask-init", "zero", "--consolidation", "all-nonzero", "--json", plain]).Code, Is.Zero);
            // The defaults are the warm start and the span rule.
            var run = Apd([.. args, "--l1-layer", "fc2=0.05", "--json", tuned]);
            Assert.That(run.Code, Is.Zero, run.Err);
            var root = JsonDocument.Parse(File.ReadAllText(tuned)).RootElement;
            var apd = root.GetProperty("config").GetProperty("apd");
            Assert.That(apd.GetProperty("l1_by_layer").GetProperty("fc2").GetDouble(), Is.EqualTo(0.05));
            Assert.That(apd.GetProperty("tau_init").GetString(), Is.EqualTo("previous"));
            Assert.That(apd.GetProperty("mask_init").GetString(), Is.EqualTo("previous"));
            Assert.That(apd.GetProperty("consolidation").GetString(), Is.EqualTo("span"));
            var cold = JsonDocument.Parse(File.ReadAllText(plain)).RootElement.GetProperty("config").GetProperty("apd");
            Assert.That(cold.TryGetProperty("l1_by_layer", out _), Is.False);
            Assert.That(cold.GetProperty("consolidation").GetString(), Is.EqualTo("all-nonzero"));
            Assert.That(cold.GetProperty("tau_init").GetString(), Is.EqualTo("zero"));
            Assert.That(cold.GetProperty("mask_init").GetString(), Is.EqualTo("zero"));
            Assert.That(root.GetProperty("accuracy_matrix").GetRawText(),
                Is.Not.EqualTo(JsonDocument.Parse(File.ReadAllText(plain)).RootElement.GetProperty("accuracy_matrix").GetRawText()), "the options change the run");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(plain)!, recursive: true);
            Directory.Delete(Path.GetDirectoryName(tuned)!, recursive: true);
        }
    }

    [Test]
    public void Validation_random_order_and_normalisation_options_reach_the_benchmark_and_the_results()
    {
        string json = TempJson();
        try
        {
            var (code, output, err) = Apd("run", "--bench", "split-digits", "--method", "finetune", "--epochs", "1", "--seed", "4",
                "--validation", "0.25", "--random-order", "--normalize", "meanstd", "--json", json);
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(output, Does.Contain("evaluating on the validation split"));
            var (_, plain, _) = Apd("run", "--bench", "split-digits", "--method", "finetune", "--epochs", "1", "--seed", "4");
            int Images(string text) => int.Parse(System.Text.RegularExpressions.Regex.Match(text, @"(\d+) training images").Groups[1].Value);
            // A quarter of each task's training images held out (stratified per class, so up to one image per class of rounding).
            Assert.That(Images(output), Is.InRange(Images(plain) * 0.75 - 10, Images(plain) * 0.75 + 10));
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var config = doc.RootElement.GetProperty("config");
            Assert.That(config.GetProperty("evaluated_on").GetString(), Is.EqualTo("validation"));
            Assert.That(config.GetProperty("validation_fraction").GetDouble(), Is.EqualTo(0.25));
            Assert.That(config.GetProperty("random_order").GetBoolean(), Is.True);
            Assert.That(config.GetProperty("normalization").GetString(), Is.EqualTo("meanstd"));
            var order = doc.RootElement.GetProperty("task_order").EnumerateArray().Select(t => t.GetString()).ToArray();
            Assert.That(order, Is.Not.EqualTo(new[] { "task 1: classes 0,1", "task 2: classes 2,3", "task 3: classes 4,5", "task 4: classes 6,7", "task 5: classes 8,9" }));
            var (_, again, _) = Apd("run", "--bench", "split-digits", "--method", "finetune", "--epochs", "1", "--seed", "4", "--random-order");
            Assert.That(again, Does.Contain($"[{order[0]}]"), "the same seed gives the same random order");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(json)!, recursive: true);
        }
    }

    [TestCase(new[] { "run", "--bench", "split-digits", "--method", "sgd" }, 2, "unknown method 'sgd'")]
    [TestCase(new[] { "run", "--method", "stl" }, 2, "--bench NAME is required")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--epochs", "0" }, 2, "--epochs must be at least 1")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--lr", "-1" }, 2, "--lr must be a positive number")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--epoch", "3" }, 2, "unknown option(s): --epoch")]
    [TestCase(new[] { "run", "--bench", "nonsense", "--method", "stl" }, 1, "unknown benchmark 'nonsense'")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--method", "apd", "--retro", "lazy" }, 2, "--retro expects closed, closed-gradient or joint")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--validation", "1.5" }, 2, "--validation expects a fraction in [0, 1)")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--paper-order", "7" }, 2, "--paper-order expects one of the five published orders 0..4")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--normalize", "zscore" }, 2, "--normalize expects unit or meanstd")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--paper-order", "1" }, 1, "applies to cifar100-split and cifar100-superclass only")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--method", "apd", "--l1-layer", "fc1" }, 2, "--l1-layer expects LAYER=VALUE pairs")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--method", "apd", "--l1-layer", "fc1=-1" }, 2, "--l1-layer expects LAYER=VALUE pairs")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--method", "apd", "--l1-layer", "fc9=1e-4" }, 1, "per-layer λ1 names no decomposed weight: fc9")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--method", "apd", "--consolidation", "loose" }, 2, "--consolidation expects all-nonzero or span")]
    [TestCase(new[] { "run", "--bench", "split-digits", "--method", "apd", "--mask-init", "one" }, 2, "--mask-init expects zero or previous")]
    public void Bad_arguments_fail_with_a_clear_message_and_no_stack_trace(string[] args, int expectedCode, string message)
    {
        var (code, _, err) = Apd(args);
        Assert.That(code, Is.EqualTo(expectedCode), err);
        Assert.That(err, Does.Contain(message));
        Assert.That(err, Does.Not.Contain("   at "));
        Assert.That(err, Does.Not.Contain("(Parameter '"), "the code's parameter names are no part of a user's message");
    }

    [Test]
    public void Missing_dataset_files_are_reported_without_a_stack_trace()
    {
        string empty = Path.Combine(Path.GetTempPath(), $"apd-empty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(empty);
        try
        {
            var (code, _, err) = Apd("run", "--bench", "split-fmnist", "--method", "stl", "--data-dir", empty);
            Assert.That(code, Is.EqualTo(1), err);
            Assert.That(err, Does.Contain("fashion-mnist").IgnoreCase.And.Not.Contain("   at "));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
