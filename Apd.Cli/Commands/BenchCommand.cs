// `apd bench <name>`: dispatches to one IBenchmark class per sub-benchmark, found by reflection.
// To add a benchmark (e.g. `apd bench step`), add a class in Apd.Cli implementing IBenchmark with a
// parameterless constructor; nothing else changes. Each benchmark parses its own options with CliArgs.
namespace Apd.Cli.Commands;

public interface IBenchmark
{
    /// <summary>The word after `apd bench` (e.g. "gemm").</summary>
    string Name { get; }

    /// <summary>One line for `apd bench help`.</summary>
    string Summary { get; }

    int Run(string[] args, TextWriter stdout, TextWriter stderr);
}

public sealed class BenchCommand : ICommand
{
    public static IReadOnlyList<IBenchmark> Benchmarks { get; } = typeof(BenchCommand).Assembly.GetTypes()
        .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
        .OrderBy(b => b.Name, StringComparer.Ordinal)
        .ToArray();

    public string Name => "bench";
    public string Summary => $"quick in-process benchmarks: {string.Join(", ", Benchmarks.Select(b => b.Name))} (apd bench help)";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            stdout.WriteLine("usage: apd bench <benchmark> [options]");
            foreach (var b in Benchmarks) stdout.WriteLine($"  {b.Name,-10} {b.Summary}");
            return args.Length == 0 ? 2 : 0;
        }
        var benchmark = Benchmarks.FirstOrDefault(b => b.Name == args[0])
            ?? throw new CliUsageException($"unknown benchmark '{args[0]}'; available: {string.Join(", ", Benchmarks.Select(b => b.Name))}");
        return benchmark.Run(args[1..], stdout, stderr);
    }
}
