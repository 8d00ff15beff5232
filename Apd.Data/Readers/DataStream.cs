// Opens a data file whether it is gzip-compressed or raw (decided by its first two bytes, 1F 8B),
// and reads exact byte counts, turning a short read or a corrupt gzip stream into a
// DataFormatException that names the file and the offset in the decompressed content.
using System.IO.Compression;

namespace Apd.Data.Readers;

internal sealed class DataStream : IDisposable
{
    private readonly Stream _stream;

    private DataStream(Stream stream, string name, bool isGzip)
    {
        _stream = stream;
        Name = name;
        IsGzip = isGzip;
    }

    public string Name { get; }
    public bool IsGzip { get; }

    /// <summary>Bytes of (decompressed) content consumed so far.</summary>
    public long Position { get; private set; }

    public static DataStream Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            return Open(file, path, path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <param name="mustBeGzip">true when the name promises gzip (".gz"): anything else is an error.</param>
    public static DataStream Open(Stream stream, string name, bool mustBeGzip)
    {
        if (!stream.CanSeek) throw new ArgumentException("the stream must be seekable", nameof(stream));
        Span<byte> head = stackalloc byte[2];
        int got = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        bool isGzip = got == 2 && head[0] == 0x1F && head[1] == 0x8B;
        if (mustBeGzip && !isGzip)
        {
            string found = got == 0 ? "an empty file" : "bytes " + Convert.ToHexString(head[..got]);
            throw new DataFormatException(name, "offset 0", $"not a gzip file: expected the gzip signature 1F 8B, found {found}");
        }
        stream.Seek(-got, SeekOrigin.Current);
        Stream content = isGzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: false) : stream;
        return new DataStream(content, name, isGzip);
    }

    /// <summary>Fills <paramref name="destination"/> or throws naming what <paramref name="what"/> was being read.</summary>
    public void ReadExactly(Span<byte> destination, string what)
    {
        long start = Position;
        int total = 0;
        try
        {
            while (total < destination.Length)
            {
                int n = _stream.Read(destination[total..]);
                if (n == 0) break;
                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(Name, $"offset {start + total}", $"corrupt gzip data while reading {what}: {e.Message}", e);
        }
        Position += total;
        if (total < destination.Length)
            throw new DataFormatException(Name, $"offset {start + total}",
                $"truncated: {what} needs {destination.Length} bytes from offset {start}, the {(IsGzip ? "decompressed " : "")}file ends after {total}");
    }

    /// <summary>Reads up to destination.Length bytes; 0 at the end of the content.</summary>
    public int ReadSome(Span<byte> destination)
    {
        try
        {
            int n = _stream.Read(destination);
            Position += n;
            return n;
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(Name, $"offset {Position}", $"corrupt gzip data: {e.Message}", e);
        }
    }

    /// <summary>Throws unless the content ends here (catches files longer than their header says).</summary>
    public void ExpectEnd(string what)
    {
        Span<byte> probe = stackalloc byte[1];
        int n;
        try
        {
            n = _stream.Read(probe);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(Name, $"offset {Position}", $"corrupt gzip data after {what}: {e.Message}", e);
        }
        if (n != 0)
            throw new DataFormatException(Name, $"offset {Position}", $"unexpected extra bytes: the content should end after {what}");
    }

    public void Dispose() => _stream.Dispose();
}
