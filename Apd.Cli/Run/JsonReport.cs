// The `--json FILE` output of the bench and opd commands: a JSON document written indented, atomically
// (a temporary file renamed into place, so an earlier report is never left half-overwritten).
using System.Text.Json;
using Apd.Engine.Checkpoints;

namespace Apd.Cli.Run;

internal static class JsonReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write<T>(string path, T document) => AtomicFile.Write(path, s => JsonSerializer.Serialize(s, document, Indented));
}
