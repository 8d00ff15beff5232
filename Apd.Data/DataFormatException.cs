// The single error type for malformed data: it names the file, where in it the problem is
// (byte offset, row, or field) and what was expected, so a user can act on the message alone.
namespace Apd.Data;

public sealed class DataFormatException : IOException
{
    public DataFormatException(string fileName, string location, string problem, Exception? inner = null)
        : base($"{fileName}: {location}: {problem}", inner)
    {
        FileName = fileName;
        Location = location;
        Problem = problem;
    }

    /// <summary>The file (or resource) name.</summary>
    public string FileName { get; }

    /// <summary>Where: "offset 4", "row 12, column 65", "field 'magic'".</summary>
    public string Location { get; }

    public string Problem { get; }
}
