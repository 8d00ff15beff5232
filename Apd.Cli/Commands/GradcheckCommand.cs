// `apd gradcheck --cases FILE`: runs every case of an apd-gradcheck/1 file through the float32 kernels,
// one line per case with the largest absolute error per output, then `gradcheck: N passed, M failed`.
using Apd.Cli.Gradcheck;

namespace Apd.Cli.Commands;

public sealed class GradcheckCommand : ICommand
{
    public string Name => "gradcheck";
    public string Summary => "check forward/backward kernels against reference cases (--cases FILE)";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = new CliArgs(args);
        string path = cli.String("cases") ?? throw new CliUsageException("--cases FILE is required (an apd-gradcheck/1 JSON file)");
        cli.RejectUnknown();
        var cases = GradcheckFile.Read(path);
        int passed = 0, failed = 0;
        foreach (var c in cases)
        {
            var result = GradcheckRunner.Run(c);
            stdout.WriteLine(result.Line());
            if (result.Passed) passed++;
            else failed++;
        }
        stdout.WriteLine($"gradcheck: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
