using Apd.Data;
using Apd.Data.Readers;

namespace Apd.Engine.Tests.Data;

public sealed class CifarBinaryReaderTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = DataFixtures.TempDir();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>A row whose pixel (c, y, x) is distinct per channel: value = 10·c + (y + x) mod 10 + 50·(row mod 2).</summary>
    internal static byte[] Rows(CifarVariant variant, params (int Coarse, int Label)[] labels)
    {
        int rowBytes = CifarBinaryReader.RowBytes(variant), lb = CifarBinaryReader.LabelBytes(variant);
        var bytes = new byte[labels.Length * rowBytes];
        for (int r = 0; r < labels.Length; r++)
        {
            int o = r * rowBytes;
            if (lb == 2) bytes[o] = (byte)labels[r].Coarse;
            bytes[o + lb - 1] = (byte)labels[r].Label;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++)
                        bytes[o + lb + c * 1024 + y * 32 + x] = (byte)(10 * c + (y + x) % 10 + 50 * (r % 2));
        }
        return bytes;
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Test]
    public void Channel_planar_rows_decode_to_nchw()
    {
        string path = Write("data_batch_1.bin", Rows(CifarVariant.Cifar10, (0, 3), (0, 9)));
        var data = CifarBinaryReader.Read(CifarVariant.Cifar10, path).Images;
        Assert.That((data.Count, data.Channels, data.Height, data.Width, data.Classes), Is.EqualTo((2, 3, 32, 32, 10)));
        Assert.That(data.Labels, Is.EqualTo(new[] { 3, 9 }));
        for (int n = 0; n < 2; n++)
        {
            var img = data.Sample(n);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y += 7)
                    for (int x = 0; x < 32; x += 5)
                        Assert.That(img[c * 1024 + y * 32 + x], Is.EqualTo((10 * c + (y + x) % 10 + 50 * (n % 2)) / 255f), $"n={n} c={c} y={y} x={x}");
        }
    }

    [Test]
    public void Several_batches_concatenate_in_order()
    {
        string a = Write("a.bin", Rows(CifarVariant.Cifar10, (0, 1)));
        string b = Write("b.bin", Rows(CifarVariant.Cifar10, (0, 2), (0, 3)));
        Assert.That(CifarBinaryReader.Read(CifarVariant.Cifar10, a, b).Images.Labels, Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public void Cifar100_rows_carry_coarse_and_fine_labels()
    {
        string path = Write("train.bin", Rows(CifarVariant.Cifar100, (4, 57), (19, 99), (0, 0)));
        var data = CifarBinaryReader.Read(CifarVariant.Cifar100, path);
        Assert.That(data.Images.Labels, Is.EqualTo(new[] { 57, 99, 0 }));
        Assert.That(data.CoarseLabels, Is.EqualTo(new[] { 4, 19, 0 }));
        Assert.That(data.Images.Classes, Is.EqualTo(100));
        Assert.That(data.Images.Sample(1)[1024 + 33], Is.EqualTo((10 + 2 + 50) / 255f));
    }

    [Test]
    public void Truncated_file_names_the_partial_row()
    {
        var bytes = Rows(CifarVariant.Cifar10, (0, 1), (0, 2));
        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.Read(CifarVariant.Cifar10, Write("cut.bin", bytes[..^100])))!;
        Assert.That(e.Message, Does.Contain("cut.bin").And.Contain("offset 3073").And.Contain("row 1").And.Contain("3073-byte rows"));
    }

    [Test]
    public void Label_out_of_range_names_the_row_offset()
    {
        var bytes = Rows(CifarVariant.Cifar10, (0, 1), (0, 10));
        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.Read(CifarVariant.Cifar10, Write("bad.bin", bytes)))!;
        Assert.That(e.Message, Does.Contain("bad.bin").And.Contain("offset 3073").And.Contain("label 10").And.Contain("0..9"));
    }

    [Test]
    public void Coarse_label_out_of_range_is_rejected()
    {
        var bytes = Rows(CifarVariant.Cifar100, (20, 1));
        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.Read(CifarVariant.Cifar100, Write("c.bin", bytes)))!;
        Assert.That(e.Message, Does.Contain("c.bin").And.Contain("offset 0").And.Contain("coarse label 20").And.Contain("0..19"));
    }

    [Test]
    public void Cifar100_file_read_as_cifar10_fails_on_row_size()
    {
        var bytes = Rows(CifarVariant.Cifar100, (1, 1), (1, 1), (1, 1));
        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.Read(CifarVariant.Cifar10, Write("x.bin", bytes)))!;
        Assert.That(e.Message, Does.Contain("x.bin").And.Contain("3073-byte rows"));
    }

    [Test]
    public void Gzip_compressed_batches_are_read_like_raw_ones()
    {
        var raw = Rows(CifarVariant.Cifar100, (2, 17), (5, 33));
        var fromGzip = CifarBinaryReader.Read(CifarVariant.Cifar100, Write("train.bin.gz", DataFixtures.Gzip(raw)));
        var fromRaw = CifarBinaryReader.Read(CifarVariant.Cifar100, Write("train.bin", raw));
        Assert.That(fromGzip.Images.Images, Is.EqualTo(fromRaw.Images.Images));
        Assert.That(fromGzip.CoarseLabels, Is.EqualTo(new[] { 2, 5 }));
    }

    [Test]
    public void Empty_file_is_rejected()
    {
        var e = Assert.Throws<DataFormatException>(() => CifarBinaryReader.Read(CifarVariant.Cifar10, Write("empty.bin", [])))!;
        Assert.That(e.Message, Does.Contain("empty.bin").And.Contain("empty file"));
    }
}
