// Small data files made inside the tests (valid and deliberately corrupted), and the lookup of
// the shared real-data folder (APD_TEST_DATA, or a shared/data folder above the test directory).
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

    /// <summary>The shared real-data folder, or null when it is not available.</summary>
    public static string? SharedData()
    {
        string? env = Environment.GetEnvironmentVariable("APD_TEST_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static string RequireSharedData(string relative)
    {
        string? root = SharedData();
        string? path = root is null ? null : Path.Combine(root, relative);
        if (path is null || !(File.Exists(path) || Directory.Exists(path)))
            Assert.Ignore($"real data '{relative}' not found: set APD_TEST_DATA or place shared/data above the test directory");
        return path!;
    }
}
