// Reader for the binary versions of CIFAR-10 and CIFAR-100. Each row is the label byte(s) followed
// by 3072 pixel bytes: the 1024 red values, then green, then blue, each plane 32×32 row-major.
// That is already NCHW for one image, so a row's pixels are copied plane by plane (not reshaped to
// HWC, the mistake that scrambles channels). CIFAR-10 rows: <label 0..9>; CIFAR-100: <coarse 0..19><fine 0..99>.
using Apd.Engine.Tensors;

namespace Apd.Data.Readers;

public enum CifarVariant { Cifar10, Cifar100 }

/// <summary>Images with their (fine) labels and, for CIFAR-100, the coarse (superclass) label of each image.</summary>
public sealed record CifarData(LabeledSet Images, int[]? CoarseLabels);

public static class CifarBinaryReader
{
    public const int Side = 32;
    public const int Channels = 3;
    public const int PixelBytes = Channels * Side * Side;
    public const int CoarseClasses = 20;

    public static int LabelBytes(CifarVariant variant) => variant == CifarVariant.Cifar10 ? 1 : 2;
    public static int RowBytes(CifarVariant variant) => LabelBytes(variant) + PixelBytes;
    public static int Classes(CifarVariant variant) => variant == CifarVariant.Cifar10 ? 10 : 100;

    /// <summary>Reads one or more batch files (e.g. data_batch_1..5.bin) into one set, in the given order.</summary>
    public static CifarData Read(CifarVariant variant, params string[] paths)
    {
        if (paths.Length == 0) throw new ArgumentException("no files given", nameof(paths));
        var contents = new List<(string Name, byte[] Bytes)>();
        foreach (var path in paths)
        {
            using var data = DataStream.Open(path);
            // A raw file is read in one exact-size allocation; a gzip one is streamed.
            contents.Add((path, data.IsGzip ? ReadAll(data) : File.ReadAllBytes(path)));
        }
        return Decode(variant, contents);
    }

    public static CifarData Read(CifarVariant variant, Stream stream, string name)
    {
        using var data = DataStream.Open(stream, name, name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
        return Decode(variant, [(name, ReadAll(data))]);
    }

    private static byte[] ReadAll(DataStream data)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = data.ReadSome(chunk)) > 0) buffer.Write(chunk, 0, n);
        return buffer.ToArray();
    }

    private static CifarData Decode(CifarVariant variant, List<(string Name, byte[] Bytes)> contents)
    {
        int row = RowBytes(variant), labelBytes = LabelBytes(variant), classes = Classes(variant);
        long total = 0;
        foreach (var (name, bytes) in contents)
        {
            if (bytes.Length == 0)
                throw new DataFormatException(name, "offset 0", $"empty file, expected rows of {row} bytes ({labelBytes} label byte(s) + {PixelBytes} pixels)");
            if (bytes.Length % row != 0)
            {
                long whole = bytes.Length / row;
                throw new DataFormatException(name, $"offset {whole * row} (row {whole})",
                    $"truncated: {bytes.Length} bytes is not a whole number of {row}-byte rows; the last row has {bytes.Length - whole * row} bytes");
            }
            total += bytes.Length / row;
        }
        if (total > int.MaxValue / PixelBytes) throw new DataFormatException(contents[0].Name, "offset 0", $"{total} images exceed the largest supported set");
        int count = (int)total;
        var images = new float[(long)count * PixelBytes];
        var labels = new int[count];
        int[]? coarse = variant == CifarVariant.Cifar100 ? new int[count] : null;
        int item = 0;
        foreach (var (name, bytes) in contents)
        {
            int rows = bytes.Length / row;
            for (int r = 0; r < rows; r++, item++)
            {
                int offset = r * row;
                if (coarse is not null)
                {
                    int c = bytes[offset];
                    if (c >= CoarseClasses)
                        throw new DataFormatException(name, $"offset {offset} (coarse label of row {r})", $"coarse label {c} is out of range, expected 0..{CoarseClasses - 1}");
                    coarse[item] = c;
                }
                int label = bytes[offset + labelBytes - 1];
                if (label >= classes)
                    throw new DataFormatException(name, $"offset {offset + labelBytes - 1} ({(coarse is null ? "label" : "fine label")} of row {r})",
                        $"label {label} is out of range, expected 0..{classes - 1}");
                labels[item] = label;
                IdxReader.ScaleBytesToUnit(bytes.AsSpan(offset + labelBytes, PixelBytes), images.AsSpan(item * PixelBytes, PixelBytes));
            }
        }
        return new CifarData(new LabeledSet(images, labels, classes: classes, channels: Channels, height: Side, width: Side), coarse);
    }
}
