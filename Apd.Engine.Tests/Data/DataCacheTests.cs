using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Apd.Data.Catalogue;

namespace Apd.Engine.Tests.Data;

public sealed class DataCacheTests
{
    private LocalHttpServer _server = null!;
    private string _dir = "";
    private byte[] _good = [];
    private string _goodMd5 = "";

    [SetUp]
    public void SetUp()
    {
        _server = new LocalHttpServer();
        _dir = DataFixtures.TempDir();
        _good = DataFixtures.Gzip(DataFixtures.Idx([300], Enumerable.Range(0, 300).Select(i => (byte)(i % 10)).ToArray()));
        _goodMd5 = Convert.ToHexStringLower(MD5.HashData(_good));
        _server.Add("good.gz", _good);
        _server.Add("truncated.gz", _good, sendBytes: _good.Length / 2);
        var wrong = (byte[])_good.Clone();
        wrong[^9] ^= 0xFF;
        _server.Add("wrong.gz", wrong);
    }

    [TearDown]
    public void TearDown()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private CatalogueDownload Item(string served, string saveAs = "set/labels.gz") =>
        new(saveAs, _server.Url(served), HashKind.Md5, _goodMd5, "computed in the test");

    private string[] LeftoverTemporaries() =>
        Directory.EnumerateFileSystemEntries(_dir, "*", SearchOption.AllDirectories).Where(p => p.Contains(".part-") || p.Contains(".extract-")).ToArray();

    [Test]
    public async Task Good_download_is_verified_and_renamed_into_place()
    {
        var cache = new DataCache(_dir);
        await cache.DownloadAsync(Item("good.gz"));
        string target = Path.Combine(_dir, "set", "labels.gz");
        Assert.That(File.ReadAllBytes(target), Is.EqualTo(_good));
        Assert.That(LeftoverTemporaries(), Is.Empty);
    }

    [Test]
    public void Truncated_download_never_replaces_the_existing_file()
    {
        string target = Path.Combine(_dir, "set", "labels.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllText(target, "previous content");
        var e = Assert.ThrowsAsync<DownloadException>(() => new DataCache(_dir).DownloadAsync(Item("truncated.gz")))!;
        Assert.That(e.Message, Does.Contain("truncated.gz"));
        Assert.That(File.ReadAllText(target), Is.EqualTo("previous content"));
        Assert.That(LeftoverTemporaries(), Is.Empty);
    }

    [Test]
    public void Wrong_hash_is_rejected_naming_both_hashes_and_nothing_is_kept()
    {
        var e = Assert.ThrowsAsync<DownloadException>(() => new DataCache(_dir).DownloadAsync(Item("wrong.gz")))!;
        Assert.That(e.Message, Does.Contain("wrong.gz").And.Contain(_goodMd5).And.Contain("does not match"));
        Assert.That(File.Exists(Path.Combine(_dir, "set", "labels.gz")), Is.False);
        Assert.That(LeftoverTemporaries(), Is.Empty);
    }

    [Test]
    public async Task A_verified_file_already_present_is_not_downloaded_again()
    {
        var cache = new DataCache(_dir);
        await cache.DownloadAsync(Item("good.gz"));
        int before = _server.Requests;
        await cache.DownloadAsync(Item("good.gz"));
        Assert.That(_server.Requests, Is.EqualTo(before));
    }

    [Test]
    public async Task A_corrupt_file_in_place_is_replaced_by_a_verified_download()
    {
        string target = Path.Combine(_dir, "set", "labels.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllText(target, "corrupt");
        await new DataCache(_dir).DownloadAsync(Item("good.gz"));
        Assert.That(File.ReadAllBytes(target), Is.EqualTo(_good));
    }

    [Test]
    public void Require_downloads_missing_files_and_offline_lists_them()
    {
        var dataset = new CatalogueDataset("toy", "toy", [new CatalogueFile("set/labels.gz")], [Item("good.gz")], "none", "none");
        var offline = Assert.Throws<MissingDataException>(() => new DataCache(_dir).Require(dataset, download: false))!;
        Assert.That(offline.Message, Does.Contain(Path.Combine(_dir, "set", "labels.gz")).And.Contain(_server.BaseUrl + "good.gz"));
        var paths = new DataCache(_dir).Require(dataset, download: true);
        Assert.That(paths, Is.EqualTo(new[] { Path.Combine(_dir, "set", "labels.gz") }));
    }

    [Test]
    public void Failed_download_reports_missing_files_and_the_cause()
    {
        var dataset = new CatalogueDataset("toy", "toy", [new CatalogueFile("set/labels.gz")], [Item("wrong.gz")], "none", "none");
        var e = Assert.Throws<MissingDataException>(() => new DataCache(_dir).Require(dataset, download: true))!;
        Assert.That(e.Message, Does.Contain("set").And.Contain("does not match"));
        Assert.That(e.MissingPaths, Has.Count.EqualTo(1));
    }

    [Test]
    public void Not_found_on_the_server_is_reported()
    {
        var e = Assert.ThrowsAsync<DownloadException>(() => new DataCache(_dir).DownloadAsync(Item("absent.gz")))!;
        Assert.That(e.Message, Does.Contain("404"));
    }

    [Test]
    public void Archive_download_is_extracted_into_the_data_folder()
    {
        string source = DataFixtures.TempDir();
        try
        {
            Directory.CreateDirectory(Path.Combine(source, "toy-bin"));
            File.WriteAllBytes(Path.Combine(source, "toy-bin", "train.bin"), [1, 2, 3]);
            using var tar = new MemoryStream();
            using (var gz = new GZipStream(tar, CompressionLevel.Fastest, leaveOpen: true))
                TarFile.CreateFromDirectory(source, gz, includeBaseDirectory: false);
            var archive = tar.ToArray();
            _server.Add("toy.tar.gz", archive);
            var download = new CatalogueDownload("toy.tar.gz", _server.Url("toy.tar.gz"), HashKind.Sha256, Convert.ToHexStringLower(SHA256.HashData(archive)), "computed in the test", IsArchive: true);
            var dataset = new CatalogueDataset("toy", "toy", [new CatalogueFile("toy-bin/train.bin")], [download], "none", "none");
            var paths = new DataCache(_dir).Require(dataset, download: true);
            Assert.That(File.ReadAllBytes(paths[0]), Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(LeftoverTemporaries(), Is.Empty);
        }
        finally { Directory.Delete(source, true); }
    }

    [Test]
    public void Resolve_prefers_the_given_folder_then_APD_DATA()
    {
        string? saved = Environment.GetEnvironmentVariable(DataFolders.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(DataFolders.EnvironmentVariable, _dir);
            Assert.That(DataFolders.Resolve(null), Is.EqualTo(Path.GetFullPath(_dir)));
            Assert.That(DataFolders.Resolve("/tmp/elsewhere"), Is.EqualTo("/tmp/elsewhere"));
            Environment.SetEnvironmentVariable(DataFolders.EnvironmentVariable, null);
            Assert.That(DataFolders.Resolve(null), Is.EqualTo(Path.GetFullPath(DataFolders.Default)));
        }
        finally { Environment.SetEnvironmentVariable(DataFolders.EnvironmentVariable, saved); }
    }

    [Test]
    public void Catalogue_hashes_are_well_formed_and_cite_a_source()
    {
        foreach (var d in DataCatalogue.Datasets)
        {
            foreach (var dl in d.Downloads)
            {
                Assert.That(dl.Hash, Does.Match(dl.HashKind == HashKind.Md5 ? "^[0-9a-f]{32}$" : "^[0-9a-f]{64}$"), dl.RelativePath);
                Assert.That(dl.HashSource, Is.Not.Empty);
            }
            foreach (var f in d.Files.Where(f => f.DecompressedSha256 is not null))
                Assert.That(f.DecompressedSha256, Does.Match("^[0-9a-f]{64}$"));
        }
    }

    [Test]
    public void Fashion_mnist_decompressed_hashes_match_the_shared_checksum_list()
    {
        string root = Path.GetDirectoryName(DataFixtures.RequireSharedData("SHA256SUMS.decompressed"))!;
        var sums = File.ReadAllLines(Path.Combine(root, "SHA256SUMS.decompressed"))
            .Select(l => l.Split("  ")).ToDictionary(p => p[1], p => p[0]);
        foreach (var f in DataCatalogue.FashionMnist.Files)
            Assert.That(f.DecompressedSha256, Is.EqualTo(sums[f.RelativePath[..^3]]));
    }
}
