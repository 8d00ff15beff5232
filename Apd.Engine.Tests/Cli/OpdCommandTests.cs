using System.Text.Json;

namespace Apd.Engine.Tests.Cli;

public sealed class OpdCommandTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"apd-opd-test-{Guid.NewGuid():N}"));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Apd(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = global::Apd.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Results(string name, string method, string order)
    {
        string path = Path.Combine(_dir, name);
        var run = Apd("run", "--bench", "split-digits", "--method", method, "--epochs", "1", "--seed", "2", "--order", order, "--json", path);
        Assert.That(run.Code, Is.Zero, run.Err);
        return path;
    }

    private static Dictionary<string, double> Final(string path)
    {
        var root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        string[] names = [.. root.GetProperty("task_order").EnumerateArray().Select(t => t.GetString()!)];
        double[] last = [.. root.GetProperty("accuracy_matrix").EnumerateArray().Last().EnumerateArray().Select(x => x.GetDouble())];
        return names.Select((n, i) => (Key: n[(n.IndexOf(": ", StringComparison.Ordinal) + 2)..], Value: last[i])).ToDictionary(p => p.Key, p => p.Value);
    }

    [Test]
    public void Opd_of_two_orders_matches_the_final_rows_matched_by_class_set()
    {
        string a = Results("a.json", "finetune", "0,1,2,3,4,5,6,7,8,9");
        string b = Results("b.json", "finetune", "8,9,6,7,4,5,2,3,0,1");
        string json = Path.Combine(_dir, "opd.json");
        var (code, output, err) = Apd("opd", a, b, "--json", json);
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("AOPD").And.Contain("classes 8,9"));
        var fa = Final(a);
        var fb = Final(b);
        Assert.That(fb.Keys, Is.EquivalentTo(fa.Keys));
        var expected = fa.Keys.ToDictionary(k => k, k => Math.Abs(fa[k] - fb[k]));
        var doc = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        foreach (var (task, opd) in expected)
            Assert.That(doc.GetProperty("opd").GetProperty(task).GetDouble(), Is.EqualTo(opd).Within(1e-12), task);
        Assert.That(doc.GetProperty("aopd").GetDouble(), Is.EqualTo(expected.Values.Average()).Within(1e-12));
        Assert.That(doc.GetProperty("mopd").GetDouble(), Is.EqualTo(expected.Values.Max()).Within(1e-12));
    }

    [Test]
    public void Bad_inputs_are_refused_with_a_clear_message()
    {
        string a = Results("a.json", "finetune", "0,1,2,3,4,5,6,7,8,9");
        string stl = Results("s.json", "stl", "2,3,0,1,4,5,6,7,8,9");
        string junk = Path.Combine(_dir, "junk.json");
        File.WriteAllText(junk, "{\"benchmark\": \"x\"}");
        Assert.That(Apd("opd", a).Err, Does.Contain("needs two or more results files"));
        Assert.That(Apd("opd", a, stl).Err, Does.Contain("compare one method on one benchmark"));
        var bad = Apd("opd", a, junk);
        Assert.That(bad.Code, Is.Not.Zero);
        Assert.That(bad.Err, Does.Contain("is not an `apd run --json` results file").And.Not.Contain("   at "));
        Assert.That(Apd("opd", a, Path.Combine(_dir, "missing.json")).Err, Does.Contain("no such results file"));
    }
}
