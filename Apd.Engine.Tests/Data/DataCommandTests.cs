using Apd.Data.Readers;

namespace Apd.Engine.Tests.Data;

public sealed class DataCommandTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = DataFixtures.TempDir();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Apd.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Test]
    public void Inspect_summarises_good_files_and_exits_zero()
    {
        string images = Write("img-idx3-ubyte.gz", DataFixtures.Gzip(DataFixtures.Idx([4, 3, 2], DataFixtures.ImagePixels(4, 3, 2))));
        string labels = Write("lab-idx1-ubyte", DataFixtures.Idx([4], [1, 5, 3, 2]));
        string cifar = Write("data_batch_1.bin", CifarBinaryReaderTests.Rows(CifarVariant.Cifar10, (0, 4), (0, 7)));
        string cifar100 = Write("train.bin", CifarBinaryReaderTests.Rows(CifarVariant.Cifar100, (3, 40), (11, 2)));
        var (code, output, error) = Run("data", "inspect", images, labels, cifar, cifar100);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain($"{images}: IDX images (ubyte), 4 items, shape 3x2"));
        Assert.That(output, Does.Contain($"{labels}: IDX labels (ubyte), 4 items, shape scalar, labels 1..5"));
        Assert.That(output, Does.Contain($"{cifar}: CIFAR-10 binary, 2 items, shape 3x32x32, labels 4..7"));
        Assert.That(output, Does.Contain($"{cifar100}: CIFAR-100 binary (fine labels shown), 2 items, shape 3x32x32, labels 2..40, coarse labels 3..11"));
    }

    [Test]
    public void Inspect_reports_each_bad_file_without_a_stack_trace_and_exits_one()
    {
        string good = Write("ok-idx1-ubyte", DataFixtures.Idx([2], [0, 1]));
        string notGzip = Write("labels.gz", DataFixtures.Idx([2], [0, 1]));
        string truncated = Write("cut.bin", CifarBinaryReaderTests.Rows(CifarVariant.Cifar10, (0, 1))[..3000]);
        string missing = Path.Combine(_dir, "absent-idx1-ubyte");
        var (code, output, error) = Run("data", "inspect", good, notGzip, truncated, missing);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain(good));
        Assert.That(error, Does.Contain($"{notGzip}: offset 0: not a gzip file"));
        Assert.That(error, Does.Contain(truncated).And.Contain("truncated"));
        Assert.That(error, Does.Contain(missing).And.Contain("no such file"));
        Assert.That(error, Does.Contain("3 of 4 file(s) are bad"));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void Inspect_without_files_is_a_usage_error()
    {
        var (code, _, error) = Run("data", "inspect");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("at least one file"));
    }

    [Test]
    public void List_shows_missing_datasets_in_the_given_folder()
    {
        var (code, output, _) = Run("data", "list", "--data-dir", _dir);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("fashion-mnist: 4 of 4 file(s) missing").And.Contain("split-digits"));
    }
}
