// `apd data inspect FILE…`: format, item count, image shape and label range of each file, or the
// error for that file; exit 1 if any file is bad. `apd data list`: the catalogue and what is present.
// `apd data fetch NAME…`: download and verify catalogue datasets into the data folder.
using Apd.Data;
using Apd.Data.Catalogue;
using Apd.Data.Readers;

namespace Apd.Cli.Commands;

public sealed class DataCommand : ICommand
{
    public string Name => "data";
    public string Summary => "inspect dataset files; list or fetch (verified) catalogue datasets";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            PrintUsage(stdout);
            return args.Length == 0 ? 2 : 0;
        }
        var options = new CliArgs(args[1..]);
        return args[0] switch
        {
            "inspect" => Inspect(options, stdout, stderr),
            "list" => List(options, stdout),
            "fetch" => Fetch(options, stdout, stderr),
            _ => throw new CliUsageException($"unknown sub-command '{args[0]}'; use inspect, list or fetch"),
        };
    }

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("usage: apd data inspect FILE...      format, item count, image shape, label range of each file");
        w.WriteLine("       apd data list [--data-dir D]  known datasets, their files and whether they are present");
        w.WriteLine("       apd data fetch NAME... [--data-dir D]  download and verify (fashion-mnist, mnist, kmnist, cifar-10, cifar-100)");
        w.WriteLine($"The data folder is --data-dir, else ${DataFolders.EnvironmentVariable}, else {DataFolders.Default}.");
    }

    private static int Inspect(CliArgs options, TextWriter stdout, TextWriter stderr)
    {
        options.RejectUnknown();
        if (options.Positional.Count == 0) throw new CliUsageException("inspect needs at least one file");
        int bad = 0;
        foreach (var path in options.Positional)
        {
            try
            {
                var s = DataFileInspector.Inspect(path);
                string labels = s.LabelMin is { } min ? $", labels {min}..{s.LabelMax}" : "";
                string note = s.Note is null ? "" : $", {s.Note}";
                stdout.WriteLine($"{path}: {s.Format}, {s.Items} items, shape {s.Shape}{labels}{note}");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Every failure is reported per file as one line; a data error's message already names the file.
                bad++;
                string message = e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}";
                stderr.WriteLine($"error: {message}");
            }
        }
        if (bad > 0) stderr.WriteLine($"{bad} of {options.Positional.Count} file(s) are bad");
        return bad == 0 ? 0 : 1;
    }

    private static int List(CliArgs options, TextWriter stdout)
    {
        string dir = DataFolders.Resolve(options.String("data-dir"));
        options.RejectUnknown();
        var cache = new DataCache(dir);
        stdout.WriteLine($"data folder: {dir}");
        foreach (var d in DataCatalogue.Datasets)
        {
            var missing = cache.Missing(d);
            stdout.WriteLine($"{d.Name}: {(missing.Count == 0 ? "present" : $"{missing.Count} of {d.Files.Count} file(s) missing")} — {d.Description}");
        }
        stdout.WriteLine($"embedded: split-digits ({DigitsCsvReader.EmbeddedName}, 1797 UCI digits, no files needed)");
        stdout.WriteLine($"benchmarks: {string.Join(", ", ContinualBenchmarks.Names)}");
        return 0;
    }

    private static int Fetch(CliArgs options, TextWriter stdout, TextWriter stderr)
    {
        string dir = DataFolders.Resolve(options.String("data-dir"));
        options.RejectUnknown();
        if (options.Positional.Count == 0) throw new CliUsageException("fetch needs a dataset name: " + string.Join(", ", DataCatalogue.Datasets.Select(d => d.Name)));
        var datasets = options.Positional.Select(DataCatalogue.Find).ToArray();
        var cache = new DataCache(dir) { Log = stdout.WriteLine };
        int failed = 0;
        foreach (var d in datasets)
        {
            try
            {
                cache.Require(d, download: true);
                stdout.WriteLine($"{d.Name}: ready in {dir}");
            }
            catch (MissingDataException e)
            {
                failed++;
                stderr.WriteLine(e.Message);
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
