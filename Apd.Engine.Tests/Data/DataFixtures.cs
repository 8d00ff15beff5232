// Small data files made inside the tests (valid and deliberately corrupted), and the lookup of
// a file of the shared real-data folder found through TestData.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Apd.Engine.Tests.Data;

internal static class DataFixtures
{
    /// <summary>An IDX ubyte file's bytes: 00 00 08 rank, big-endian sizes, then the elements.</summary>
    public static byte[] Idx(int[] dims, byte[] elements)
    {
        var bytes = new byte[4 + 4 * dims.Length + elements.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        elements.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(content);
        return output.ToArray();
    }

    /// <summary>count images of rows×cols with pixel (n, r, c) = (n·7 + r·cols + c) mod 256.</summary>
    public static byte[] ImagePixels(int count, int rows, int cols)
    {
        var px = new byte[count * rows * cols];
        for (int n = 0; n < count; n++)
            for (int p = 0; p < rows * cols; p++) px[n * rows * cols + p] = (byte)((n * 7 + p) % 256);
        return px;
    }

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "apd-data-tests-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A file or folder under the shared real-data folder (<see cref="TestData"/>), or Assert.Ignore when absent.</summary>
    public static string RequireSharedData(string relative)
    {
        string path = Path.Combine(TestData.SharedDataOrIgnore(), relative);
        if (!(File.Exists(path) || Directory.Exists(path))) Assert.Ignore($"test data not found: {path}");
        return path;
    }
}
