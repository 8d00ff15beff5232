// Every `apd` sub-command is one class implementing ICommand, found by reflection,
// so adding a command touches only its own file.
namespace Apd.Cli;

public interface ICommand
{
    /// <summary>The first word after `apd` (e.g. "info", "bench", "run").</summary>
    string Name { get; }

    /// <summary>One line for `apd help`.</summary>
    string Summary { get; }

    /// <summary>Runs with the arguments after the command name; returns the process exit code.</summary>
    int Run(string[] args, TextWriter stdout, TextWriter stderr);
}
