// Reader for the IDX format of MNIST, Fashion-MNIST, KMNIST…, gzip-compressed or raw.
// Layout: bytes 0–1 zero, byte 2 element type (0x08 = unsigned byte, the only one these datasets
// use), byte 3 dimension count d, then d big-endian int32 sizes, then the elements row-major.
using System.Buffers.Binary;
using System.Numerics.Tensors;
using Apd.Engine.Tensors;

namespace Apd.Data.Readers;

/// <summary>An IDX array of unsigned bytes: its sizes and its elements, row-major.</summary>
public sealed record IdxArray(string FileName, int[] Dimensions, byte[] Data)
{
    public long ItemCount => Dimensions[0];

    /// <summary>SHA-256 (lower-case hex) of the decompressed file: the header rebuilt from the sizes, then the elements.</summary>
    public string ContentSha256()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[4 + 4 * Dimensions.Length];
        header[2] = IdxReader.UnsignedByteType;
        header[3] = (byte)Dimensions.Length;
        for (int i = 0; i < Dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.Slice(4 + 4 * i, 4), Dimensions[i]);
        hash.AppendData(header);
        hash.AppendData(Data);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

public static class IdxReader
{
    public const byte UnsignedByteType = 0x08;

    public static IdxArray Read(string path)
    {
        using var stream = DataStream.Open(path);
        return Read(stream);
    }

    /// <param name="name">Names the source in error messages; a name ending in ".gz" must be gzip.</param>
    public static IdxArray Read(Stream stream, string name)
    {
        using var data = DataStream.Open(stream, name, name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
        return Read(data);
    }

    /// <summary>Reads an images file (n, rows, cols) and its labels file (n), checks they agree and
    /// every label is below <paramref name="classes"/>, and scales pixels to [0, 1] (p / 255).</summary>
    public static LabeledSet ReadLabeledSet(string imagesPath, string labelsPath, int classes = 10)
    {
        var images = Read(imagesPath);
        var labels = Read(labelsPath);
        return ToLabeledSet(images, labels, classes);
    }

    public static LabeledSet ToLabeledSet(IdxArray images, IdxArray labels, int classes)
    {
        if (images.Dimensions.Length != 3)
            throw new DataFormatException(images.FileName, "offset 3 (dimension count)", $"an images file has 3 dimensions (count, rows, columns), this one has {images.Dimensions.Length}");
        if (labels.Dimensions.Length != 1)
            throw new DataFormatException(labels.FileName, "offset 3 (dimension count)", $"a labels file has 1 dimension (count), this one has {labels.Dimensions.Length}");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new DataFormatException(labels.FileName, "offset 4 (item count)",
                $"holds {labels.Dimensions[0]} labels but {images.FileName} holds {images.Dimensions[0]} images; expected equal counts");
        const int labelsHeader = 8;
        var y = new int[labels.Data.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int label = labels.Data[i];
            if (label >= classes)
                throw new DataFormatException(labels.FileName, $"offset {labelsHeader + i} (label of item {i})", $"label {label} is out of range, expected 0..{classes - 1}");
            y[i] = label;
        }
        var x = new float[images.Data.Length];
        ScaleBytesToUnit(images.Data, x);
        return new LabeledSet(x, y, classes: classes, channels: 1, height: images.Dimensions[1], width: images.Dimensions[2]);
    }

    /// <summary>x = b / 255, vectorised.</summary>
    internal static void ScaleBytesToUnit(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        TensorPrimitives.ConvertTruncating(bytes, destination);
        TensorPrimitives.Divide(destination, 255f, destination);
    }

    private static IdxArray Read(DataStream data)
    {
        Span<byte> magic = stackalloc byte[4];
        data.ReadExactly(magic, "the magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw new DataFormatException(data.Name, "offset 0 (magic number)",
                $"not an IDX file: expected the magic number to start with 00 00, found {Convert.ToHexString(magic)}");
        if (magic[2] != UnsignedByteType)
            throw new DataFormatException(data.Name, "offset 2 (element type)", $"element type 0x{magic[2]:X2} is not supported, expected 0x08 (unsigned byte)");
        int rank = magic[3];
        if (rank is < 1 or > 4)
            throw new DataFormatException(data.Name, "offset 3 (dimension count)", $"{rank} dimensions, expected 1 to 4");
        Span<byte> sizes = stackalloc byte[4 * rank];
        data.ReadExactly(sizes, $"the {rank} dimension sizes");
        var dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(sizes.Slice(4 * i, 4));
            if (size <= 0 || (i > 0 && size > 65536))
                throw new DataFormatException(data.Name, $"offset {4 + 4 * i} (size of dimension {i})", $"size {size} is not a plausible positive size");
            dims[i] = size;
            total *= size;
        }
        if (total > Array.MaxLength)
            throw new DataFormatException(data.Name, "offset 4 (sizes)", $"{string.Join('x', dims)} = {total} elements exceeds the largest supported array");
        var payload = new byte[total];
        data.ReadExactly(payload, $"{string.Join('x', dims)} elements");
        data.ExpectEnd($"{4 + 4 * rank + total} bytes ({string.Join('x', dims)} elements)");
        return new IdxArray(data.Name, dims, payload);
    }
}
