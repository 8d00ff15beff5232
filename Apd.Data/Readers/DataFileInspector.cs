// Identifies a dataset file (IDX, CIFAR-10/100 binary, UCI digits CSV; gzip or raw), reads it
// fully with the validating reader and summarises it: format, item count, image shape, label
// range, and whether its content is a known standard file of the catalogue.
using Apd.Data.Catalogue;

namespace Apd.Data.Readers;

public sealed record DataFileSummary(string FileName, string Format, long Items, string Shape, int? LabelMin, int? LabelMax, string? Note = null);

public static class DataFileInspector
{
    public static DataFileSummary Inspect(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        string name = Path.GetFileName(path).ToLowerInvariant();
        string bare = name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name;
        if (bare.EndsWith(".csv", StringComparison.Ordinal)) return InspectDigits(path);
        if (bare.EndsWith(".bin", StringComparison.Ordinal)) return InspectCifar(path, bare);
        return InspectIdx(path);
    }

    private static DataFileSummary InspectIdx(string path)
    {
        var array = IdxReader.Read(path);
        var dims = array.Dimensions;
        string? known = KnownContent(array.ContentSha256());
        if (dims.Length == 1)
        {
            var (min, max) = Range(array.Data);
            return new DataFileSummary(path, "IDX labels (ubyte)", dims[0], "scalar", min, max, known);
        }
        string format = dims.Length == 3 ? "IDX images (ubyte)" : $"IDX {dims.Length}-d array (ubyte)";
        return new DataFileSummary(path, format, dims[0], string.Join('x', dims.Skip(1)), null, null, known);
    }

    private static DataFileSummary InspectCifar(string path, string bareName)
    {
        long length = new FileInfo(path).Length;
        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        // CIFAR-100's files are train.bin/test.bin; CIFAR-10's data_batch_N.bin/test_batch.bin. A raw file's
        // size settles it when the name does not.
        CifarVariant variant = bareName is "train.bin" or "test.bin" ? CifarVariant.Cifar100 : CifarVariant.Cifar10;
        if (!gzip && length % CifarBinaryReader.RowBytes(variant) != 0)
        {
            var other = variant == CifarVariant.Cifar10 ? CifarVariant.Cifar100 : CifarVariant.Cifar10;
            if (length % CifarBinaryReader.RowBytes(other) == 0) variant = other;
        }
        var data = CifarBinaryReader.Read(variant, path);
        var (min, max) = Range(data.Images.Labels);
        string? note = null;
        if (data.CoarseLabels is { } coarse)
        {
            var (cmin, cmax) = Range(coarse);
            note = $"coarse labels {cmin}..{cmax}";
        }
        string format = variant == CifarVariant.Cifar10 ? "CIFAR-10 binary" : "CIFAR-100 binary (fine labels shown)";
        return new DataFileSummary(path, format, data.Images.Count, "3x32x32", min, max, note);
    }

    private static DataFileSummary InspectDigits(string path)
    {
        var data = DigitsCsvReader.Read(path);
        var (min, max) = Range(data.Labels);
        return new DataFileSummary(path, "UCI digits CSV", data.Count, "1x8x8", min, max);
    }

    private static string? KnownContent(string sha256)
    {
        foreach (var d in DataCatalogue.Datasets)
            foreach (var f in d.Files)
                if (f.DecompressedSha256 == sha256) return $"standard content of {f.RelativePath} (SHA-256 verified)";
        return null;
    }

    private static (int Min, int Max) Range(ReadOnlySpan<byte> values)
    {
        int min = int.MaxValue, max = int.MinValue;
        foreach (byte v in values) { if (v < min) min = v; if (v > max) max = v; }
        return (min, max);
    }

    private static (int Min, int Max) Range(ReadOnlySpan<int> values)
    {
        int min = int.MaxValue, max = int.MinValue;
        foreach (int v in values) { if (v < min) min = v; if (v > max) max = v; }
        return (min, max);
    }
}
