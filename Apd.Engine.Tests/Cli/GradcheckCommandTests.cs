using Apd.Cli.Gradcheck;

namespace Apd.Engine.Tests.Cli;

[TestFixture]
public class GradcheckCommandTests
{
    private static string Fixture(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "gradcheck", name);

    private static (int Exit, string[] Lines) Run(string file)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Apd.Cli.Program.Run(["gradcheck", "--cases", file], stdout, stderr);
        return (exit, stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Test]
    public void Layer_op_cases_from_the_sample_all_pass_and_exit_zero()
    {
        var (exit, lines) = Run(Fixture("layer-ops.json"));
        Assert.That(lines[..^1], Has.Length.EqualTo(6).And.All.StartsWith("PASS"), string.Join("\n", lines));
        Assert.That(lines[^1], Is.EqualTo("gradcheck: 6 passed, 0 failed"));
        Assert.That(exit, Is.Zero);
    }

    [Test]
    public void Varied_PyTorch_cases_of_every_op_all_pass()
    {
        // Fixtures/torch/gradcheck_varied.py: strides 1–3, asymmetric padding, non-square kernels, LRN radii 0–4,
        // one-class losses, scalars of shape [].
        var cases = GradcheckFile.Read(Fixture("torch-varied.json"));
        Assert.That(cases.Select(c => c.Op).Distinct(), Is.EquivalentTo(GradcheckRunner.Ops.Keys));
        var (exit, lines) = Run(Fixture("torch-varied.json"));
        Assert.That(lines[..^1], Has.Length.EqualTo(cases.Count).And.All.StartsWith("PASS"), string.Join("\n", lines));
        Assert.That(exit, Is.Zero);
    }

    [Test]
    public void Every_sample_case_whose_op_is_registered_passes_and_the_rest_fail_as_unknown()
    {
        var cases = GradcheckFile.Read(Fixture("sample.json"));
        var (exit, lines) = Run(Fixture("sample.json"));
        Assert.That(lines, Has.Length.EqualTo(cases.Count + 1));
        for (int i = 0; i < cases.Count; i++)
        {
            string expectedStart = GradcheckRunner.Ops.ContainsKey(cases[i].Op) ? "PASS" : "FAIL";
            Assert.That(lines[i], Does.StartWith(expectedStart), lines[i]);
            if (expectedStart == "FAIL") Assert.That(lines[i], Does.Contain($"unknown op '{cases[i].Op}'"));
        }
        bool allKnown = cases.All(c => GradcheckRunner.Ops.ContainsKey(c.Op));
        Assert.That(exit, Is.EqualTo(allKnown ? 0 : 1));
    }

    [Test]
    public void An_unknown_op_counts_as_a_failure_not_a_skip()
    {
        string file = Path.Combine(Path.GetTempPath(), $"apd-gradcheck-unknown-{Environment.ProcessId}.json");
        File.WriteAllText(file, """
            {"format": "apd-gradcheck/1", "cases": [{"name": "mystery", "op": "no_such_op", "attrs": {},
             "inputs": {"x": {"shape": [1], "data": [1.0]}}, "expected": {"y": {"shape": [1], "data": [1.0]}},
             "tolerance": {"abs": 1e-4, "rel": 1e-3}}]}
            """);
        try
        {
            var (exit, lines) = Run(file);
            Assert.That(lines[0], Does.StartWith("FAIL").And.Contain("unknown op 'no_such_op'"));
            Assert.That(lines[^1], Is.EqualTo("gradcheck: 0 passed, 1 failed"));
            Assert.That(exit, Is.EqualTo(1));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void A_wrong_expected_gradient_fails_the_case()
    {
        var original = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Fixture("layer-ops.json")))!;
        var conv = original["cases"]!.AsArray().First(c => (string)c!["op"]! == "conv2d")!;
        var dw = conv["expected"]!["dw"]!["data"]!.AsArray();
        dw[7] = (double)dw[7]! + 0.01;
        string file = Path.Combine(Path.GetTempPath(), $"apd-gradcheck-wrong-{Environment.ProcessId}.json");
        File.WriteAllText(file, original.ToJsonString());
        try
        {
            var (exit, lines) = Run(file);
            Assert.That(lines.Single(l => l.Contains("conv2d")), Does.StartWith("FAIL").And.Contain("dw 1.00e-02!"));
            Assert.That(lines[^1], Is.EqualTo("gradcheck: 5 passed, 1 failed"));
            Assert.That(exit, Is.EqualTo(1));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestCase("[]", "[]", true), TestCase("[1]", "[1]", true), TestCase("[1, 1]", "[1,1]", false)]
    public void A_scalar_loss_may_be_written_with_shape_empty_or_one(string shape, string shapeText, bool passes)
    {
        // The sample writes the loss with shape [1]; a rank-0 tensor (PyTorch's shape of a scalar) is the same value.
        var original = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Fixture("layer-ops.json")))!;
        var ce = original["cases"]!.AsArray().First(c => (string)c!["op"]! == "softmax_cross_entropy")!;
        ce["expected"]!["loss"]!["shape"] = System.Text.Json.Nodes.JsonNode.Parse(shape);
        string file = Path.Combine(Path.GetTempPath(), $"apd-gradcheck-scalar-{Environment.ProcessId}.json");
        File.WriteAllText(file, original.ToJsonString());
        try
        {
            var (exit, lines) = Run(file);
            string line = lines.Single(l => l.Contains("softmax_cross_entropy"));
            if (passes) Assert.That(line, Does.StartWith("PASS"));
            else Assert.That(line, Does.StartWith("FAIL").And.Contain($"loss shape [1] ≠ {shapeText}"));
            Assert.That(exit, Is.EqualTo(passes ? 0 : 1));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Missing_cases_option_is_a_usage_error()
    {
        var stderr = new StringWriter();
        int exit = Apd.Cli.Program.Run(["gradcheck"], new StringWriter(), stderr);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.Contain("--cases"));
    }
}
