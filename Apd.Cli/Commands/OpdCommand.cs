// `apd opd FILE FILE ...`: order robustness of one method from `apd run --json` results of the same tasks
// learned in different orders (OPD per task, AOPD, MOPD; Evaluation/OrderRobustness.cs, docs/metrics.md).
// Tasks are matched by the part of their name after "task k: " (e.g. "classes 4,5"), not by position.
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using Apd.Cli.Run;
using Apd.Engine.Evaluation;

namespace Apd.Cli.Commands;

public sealed class OpdCommand : ICommand
{
    public string Name => "opd";
    public string Summary => "order robustness (OPD per task, AOPD, MOPD) from `apd run --json` files of the same tasks in different orders [--json FILE]";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = new CliArgs(args);
        string? jsonPath = cli.String("json");
        cli.RejectUnknown();
        var files = cli.Positional;
        if (files.Count < 2) throw new CliUsageException("apd opd needs two or more results files (apd run --json) of the same tasks learned in different orders");

        var runs = new List<IReadOnlyDictionary<string, double>>();
        string? benchmark = null, method = null;
        foreach (string file in files)
        {
            var (bench, meth, accuracies) = Read(file);
            if (benchmark is not null && (bench != benchmark || meth != method))
                throw new CliUsageException($"{file} is {bench} / {meth}, but {files[0]} is {benchmark} / {method}: compare one method on one benchmark");
            (benchmark, method) = (bench, meth);
            runs.Add(accuracies);
        }
        var result = OrderRobustness.Compute(runs);

        stdout.WriteLine($"order robustness of {method} on {benchmark} over {runs.Count} orders (final accuracy of each task)");
        stdout.Write($"{"task",-22}");
        for (int r = 0; r < runs.Count; r++) stdout.Write($"{"order " + (r + 1),10}");
        stdout.WriteLine($"{"OPD",10}");
        foreach (var (task, opd) in result.Opd)
        {
            stdout.Write($"{task,-22}");
            foreach (var run in runs) stdout.Write(string.Create(CultureInfo.InvariantCulture, $"{run[task],10:F4}"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{opd,10:F4}"));
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"AOPD {result.Aopd:F4}  MOPD {result.Mopd:F4}  ({result.Aopd * 100:F2} / {result.Mopd * 100:F2} percentage points)"));
        for (int r = 0; r < files.Count; r++) stdout.WriteLine($"  order {r + 1}: {files[r]}");

        if (jsonPath is not null)
        {
            var doc = new JsonObject
            {
                ["benchmark"] = benchmark,
                ["method"] = method,
                ["orders"] = new JsonArray([.. files.Select(f => (JsonNode?)JsonValue.Create(f))]),
                ["opd"] = new JsonObject(result.Opd.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
                ["aopd"] = result.Aopd,
                ["mopd"] = result.Mopd,
            };
            JsonReport.Write(jsonPath, doc);
            stdout.WriteLine($"wrote {jsonPath}");
        }
        return 0;
    }

    private static (string Benchmark, string Method, IReadOnlyDictionary<string, double> Accuracies) Read(string file)
    {
        if (!File.Exists(file)) throw new CliUsageException($"no such results file: {file}");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var root = doc.RootElement;
            string benchmark = root.GetProperty("benchmark").GetString() ?? "";
            string method = root.GetProperty("method").GetString() ?? "";
            string[] names = [.. root.GetProperty("task_order").EnumerateArray().Select(t => t.GetString() ?? "")];
            var rows = root.GetProperty("accuracy_matrix").EnumerateArray().ToArray();
            if (rows.Length != names.Length || rows.Length == 0)
                throw new InvalidDataException($"{file}: {names.Length} task names but {rows.Length} accuracy-matrix rows (a run stopped early cannot be compared)");
            double[] last = [.. rows[^1].EnumerateArray().Select(x => x.GetDouble())];
            if (last.Length != names.Length) throw new InvalidDataException($"{file}: the last accuracy-matrix row has {last.Length} entries for {names.Length} tasks");
            var accuracies = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < names.Length; i++)
            {
                string key = names[i].IndexOf(": ", StringComparison.Ordinal) is int colon and >= 0 ? names[i][(colon + 2)..] : names[i];
                if (!accuracies.TryAdd(key, last[i])) throw new InvalidDataException($"{file}: task '{key}' appears twice");
            }
            return (benchmark, method, accuracies);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{file} is not an `apd run --json` results file: {e.Message}");
        }
    }
}
