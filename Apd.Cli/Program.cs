using System.Reflection;

namespace Apd.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static IReadOnlyList<ICommand> Commands { get; } = typeof(Program).Assembly.GetTypes()
        .Where(t => typeof(ICommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .Select(t => (ICommand)Activator.CreateInstance(t)!)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToArray();

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            PrintHelp(stdout);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] is "--version")
        {
            stdout.WriteLine(typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
            return 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine($"apd: unknown command '{args[0]}'. Run 'apd help' for the list.");
            return 2;
        }
        try
        {
            return command.Run(args[1..], stdout, stderr);
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine($"apd {command.Name}: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or UnauthorizedAccessException or FormatException)
        {
            stderr.WriteLine($"apd {command.Name}: error: {UserMessage(e)}");
            return 1;
        }
    }

    // ArgumentException appends " (Parameter 'name')" to its message: a detail of the code, not of the user's input.
    private static string UserMessage(Exception e)
        => e is ArgumentException { ParamName: { } name } a ? a.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    private static void PrintHelp(TextWriter w)
    {
        w.WriteLine("apd — continual learning with Additive Parameter Decomposition, in pure .NET");
        w.WriteLine();
        w.WriteLine("usage: apd <command> [options]");
        w.WriteLine();
        foreach (var c in Commands) w.WriteLine($"  {c.Name,-10} {c.Summary}");
    }
}

/// <summary>Wrong or missing command-line arguments; reported without a stack trace, exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
