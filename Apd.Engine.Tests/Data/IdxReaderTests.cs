using Apd.Data;
using Apd.Data.Readers;

namespace Apd.Engine.Tests.Data;

public sealed class IdxReaderTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = DataFixtures.TempDir();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static DataFormatException Fails(Action read) => Assert.Throws<DataFormatException>(() => read())!;

    [TestCase(false)]
    [TestCase(true)]
    public void Reads_images_and_labels_raw_or_gzip_and_scales_pixels_by_255(bool gzip)
    {
        var pixels = DataFixtures.ImagePixels(3, 4, 5);
        var images = DataFixtures.Idx([3, 4, 5], pixels);
        var labels = DataFixtures.Idx([3], [2, 0, 9]);
        string ext = gzip ? ".gz" : "";
        var data = IdxReader.ReadLabeledSet(
            Write("img" + ext, gzip ? DataFixtures.Gzip(images) : images),
            Write("lab" + ext, gzip ? DataFixtures.Gzip(labels) : labels));
        Assert.That(data.Count, Is.EqualTo(3));
        Assert.That((data.Channels, data.Height, data.Width), Is.EqualTo((1, 4, 5)));
        Assert.That(data.Labels, Is.EqualTo(new[] { 2, 0, 9 }));
        for (int i = 0; i < pixels.Length; i++)
            Assert.That(data.Images[i], Is.EqualTo(pixels[i] / 255f), $"pixel {i}");
    }

    [Test]
    public void Gzip_content_is_detected_even_without_a_gz_name()
    {
        var arr = IdxReader.Read(Write("labels-noext", DataFixtures.Gzip(DataFixtures.Idx([2], [1, 1]))));
        Assert.That(arr.Dimensions, Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void Content_sha256_covers_header_and_elements()
    {
        var bytes = DataFixtures.Idx([2, 3], [1, 2, 3, 4, 5, 6]);
        var arr = IdxReader.Read(Write("a.gz", DataFixtures.Gzip(bytes)));
        Assert.That(arr.ContentSha256(), Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))));
    }

    [Test]
    public void Wrong_magic_names_the_file_offset_and_expectation()
    {
        var bytes = DataFixtures.Idx([2], [0, 1]);
        bytes[0] = 0x12;
        var e = Fails(() => IdxReader.Read(Write("bad-magic", bytes)));
        Assert.That(e.Message, Does.Contain("bad-magic").And.Contain("offset 0").And.Contain("00 00"));
    }

    [Test]
    public void Unsupported_element_type_is_rejected_at_offset_2()
    {
        var bytes = DataFixtures.Idx([2], [0, 1]);
        bytes[2] = 0x0D;
        var e = Fails(() => IdxReader.Read(Write("float-type", bytes)));
        Assert.That(e.Message, Does.Contain("float-type").And.Contain("offset 2").And.Contain("0x08"));
    }

    [Test]
    public void Truncated_header_is_reported()
    {
        var e = Fails(() => IdxReader.Read(Write("short-header", [0, 0, 8, 3, 0, 0])));
        Assert.That(e.Message, Does.Contain("short-header").And.Contain("truncated").And.Contain("offset 6"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Truncated_payload_names_the_offset_where_data_ends(bool gzip)
    {
        var full = DataFixtures.Idx([4, 2, 2], DataFixtures.ImagePixels(4, 2, 2));
        var cut = full[..(full.Length - 5)];
        string name = gzip ? "cut.gz" : "cut";
        var e = Fails(() => IdxReader.Read(Write(name, gzip ? DataFixtures.Gzip(cut) : cut)));
        Assert.That(e.Message, Does.Contain(name).And.Contain("truncated").And.Contain($"offset {cut.Length}").And.Contain("16 bytes from offset 16"));
    }

    [Test]
    public void Truncated_gzip_stream_is_an_error_not_a_short_read()
    {
        var gz = DataFixtures.Gzip(DataFixtures.Idx([50, 8, 8], DataFixtures.ImagePixels(50, 8, 8)));
        var e = Fails(() => IdxReader.Read(Write("half.gz", gz[..(gz.Length / 2)])));
        Assert.That(e.Message, Does.Contain("half.gz").And.Contain("offset"));
    }

    [Test]
    public void Extra_trailing_bytes_are_rejected()
    {
        var bytes = DataFixtures.Idx([2], [1, 2]).Concat(new byte[] { 7 }).ToArray();
        var e = Fails(() => IdxReader.Read(Write("long", bytes)));
        Assert.That(e.Message, Does.Contain("long").And.Contain("offset 10").And.Contain("extra bytes"));
    }

    [Test]
    public void A_gz_name_that_is_not_gzip_is_rejected()
    {
        var e = Fails(() => IdxReader.Read(Write("plain.gz", DataFixtures.Idx([2], [1, 2]))));
        Assert.That(e.Message, Does.Contain("plain.gz").And.Contain("not a gzip file").And.Contain("1F 8B"));
    }

    [Test]
    public void Corrupt_gzip_body_is_reported_with_the_file()
    {
        var gz = DataFixtures.Gzip(DataFixtures.Idx([20, 4, 4], DataFixtures.ImagePixels(20, 4, 4)));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        var e = Fails(() => IdxReader.Read(Write("garbled.gz", gz)));
        Assert.That(e.Message, Does.Contain("garbled.gz"));
    }

    [Test]
    public void Image_and_label_count_mismatch_names_both_files()
    {
        string img = Write("img", DataFixtures.Idx([3, 2, 2], DataFixtures.ImagePixels(3, 2, 2)));
        string lab = Write("lab", DataFixtures.Idx([2], [0, 1]));
        var e = Fails(() => IdxReader.ReadLabeledSet(img, lab));
        Assert.That(e.Message, Does.Contain("lab").And.Contain("img").And.Contain("2 labels").And.Contain("3 images").And.Contain("offset 4"));
    }

    [Test]
    public void Label_out_of_range_names_its_offset_and_the_valid_range()
    {
        string img = Write("img", DataFixtures.Idx([3, 2, 2], DataFixtures.ImagePixels(3, 2, 2)));
        string lab = Write("lab", DataFixtures.Idx([3], [0, 10, 1]));
        var e = Fails(() => IdxReader.ReadLabeledSet(img, lab));
        Assert.That(e.Message, Does.Contain("lab").And.Contain("offset 9").And.Contain("label 10").And.Contain("0..9"));
    }

    [Test]
    public void Wrong_rank_for_images_is_rejected()
    {
        string img = Write("img", DataFixtures.Idx([3], [0, 1, 2]));
        string lab = Write("lab", DataFixtures.Idx([3], [0, 1, 2]));
        var e = Fails(() => IdxReader.ReadLabeledSet(img, lab));
        Assert.That(e.Message, Does.Contain("img").And.Contain("3 dimensions"));
    }

    [Test]
    public void Zero_size_dimension_is_rejected()
    {
        var e = Fails(() => IdxReader.Read(Write("zero", DataFixtures.Idx([0, 2, 2], []))));
        Assert.That(e.Message, Does.Contain("zero").And.Contain("offset 4").And.Contain("size 0"));
    }

    [Test]
    public void Real_fashion_mnist_test_set_has_10000_images_and_the_standard_content_hash()
    {
        string dir = DataFixtures.RequireSharedData("fashion-mnist");
        var images = IdxReader.Read(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"));
        var labels = IdxReader.Read(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));
        Assert.That(images.Dimensions, Is.EqualTo(new[] { 10000, 28, 28 }));
        Assert.That(images.ContentSha256(), Is.EqualTo(Apd.Data.Catalogue.DataCatalogue.FashionMnist.Files[2].DecompressedSha256));
        var data = IdxReader.ToLabeledSet(images, labels, 10);
        var perClass = data.Labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(perClass.Values, Has.All.EqualTo(1000));
    }
}
