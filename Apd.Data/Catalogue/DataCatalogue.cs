// The datasets Apd knows: for each, the files its loaders read (relative to the data folder),
// the canonical download addresses and the hashes their publishers give. No hash here is
// invented: each carries the source it was copied from, or was computed from a copy of the data.
namespace Apd.Data.Catalogue;

public enum HashKind { Md5, Sha256 }

/// <summary>
/// A file to download: saved as <see cref="RelativePath"/> under the data folder and verified by
/// <see cref="Hash"/> (hex) before it is renamed into place. An archive is then extracted into the data folder.
/// </summary>
public sealed record CatalogueDownload(string RelativePath, Uri Url, HashKind HashKind, string Hash, string HashSource, bool IsArchive = false);

/// <summary>A file a loader reads, with the SHA-256 of its decompressed content where known.</summary>
public sealed record CatalogueFile(string RelativePath, string? DecompressedSha256 = null, string? DecompressedSha256Source = null);

public sealed record CatalogueDataset(
    string Name,
    string Description,
    IReadOnlyList<CatalogueFile> Files,
    IReadOnlyList<CatalogueDownload> Downloads,
    string Licence,
    string Citation);

public static class DataCatalogue
{
    private const string FashionReadme = "https://github.com/zalandoresearch/fashion-mnist/blob/master/README.md (\"Get the Data\" table, MD5 Checksum column)";
    private const string FashionDecompressed = "computed with sha256sum from the decompressed standard Fashion-MNIST files (shared/data/SHA256SUMS.decompressed)";
    private const string MnistSource = "torchvision/datasets/mnist.py (pytorch/vision), MNIST.resources; LeCun's page documents only sizes";
    private const string CifarPage = "https://www.cs.toronto.edu/~kriz/cifar.html (Download table, md5sum column)";

    public static CatalogueDataset FashionMnist { get; } = new(
        "fashion-mnist",
        "Fashion-MNIST: 70 000 28x28 grey images of 10 clothing classes (60 000 train, 10 000 test), IDX format",
        [
            new("fashion-mnist/train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", FashionDecompressed),
            new("fashion-mnist/train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", FashionDecompressed),
            new("fashion-mnist/t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", FashionDecompressed),
            new("fashion-mnist/t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", FashionDecompressed),
        ],
        [
            new("fashion-mnist/train-images-idx3-ubyte.gz", new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"), HashKind.Md5, "8d4fb7e6c68d591d4c3dfef9ec88bf0d", FashionReadme),
            new("fashion-mnist/train-labels-idx1-ubyte.gz", new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz"), HashKind.Md5, "25c81989df183df01b3e8a0aad5dffbe", FashionReadme),
            new("fashion-mnist/t10k-images-idx3-ubyte.gz", new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz"), HashKind.Md5, "bef4ecab320f06d8554ea6380940ec79", FashionReadme),
            new("fashion-mnist/t10k-labels-idx1-ubyte.gz", new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz"), HashKind.Md5, "bb300cfdad3c16e7a12a480ee83cd310", FashionReadme),
        ],
        "MIT (Copyright 2017 Zalando SE)",
        "Han Xiao, Kashif Rasul, Roland Vollgraf. Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms. arXiv:1708.07747, 2017.");

    public static CatalogueDataset Mnist { get; } = new(
        "mnist",
        "MNIST: 70 000 28x28 grey handwritten digits (60 000 train, 10 000 test), IDX format",
        [
            new("mnist/train-images-idx3-ubyte.gz"),
            new("mnist/train-labels-idx1-ubyte.gz"),
            new("mnist/t10k-images-idx3-ubyte.gz"),
            new("mnist/t10k-labels-idx1-ubyte.gz"),
        ],
        [
            new("mnist/train-images-idx3-ubyte.gz", new("https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz"), HashKind.Md5, "f68b3c2dcbeaaa9fbdd348bbdeb94873", MnistSource),
            new("mnist/train-labels-idx1-ubyte.gz", new("https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz"), HashKind.Md5, "d53e105ee54ea40749a09fcbcd1e9432", MnistSource),
            new("mnist/t10k-images-idx3-ubyte.gz", new("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz"), HashKind.Md5, "9fb629c4189551a2d022fa330f9573f3", MnistSource),
            new("mnist/t10k-labels-idx1-ubyte.gz", new("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz"), HashKind.Md5, "ec29112dd5afa0611ce80d1b7f02629c", MnistSource),
        ],
        "see http://yann.lecun.com/exdb/mnist/ (commonly distributed under CC BY-SA 3.0)",
        "Yann LeCun, Corinna Cortes, Christopher J.C. Burges. The MNIST database of handwritten digits. http://yann.lecun.com/exdb/mnist/");

    private const string KmnistSource = "torchvision/datasets/mnist.py (pytorch/vision), KMNIST.resources";

    public static CatalogueDataset Kmnist { get; } = new(
        "kmnist",
        "Kuzushiji-MNIST: 70 000 28x28 grey images of 10 cursive Japanese characters (60 000 train, 10 000 test), IDX format",
        [
            new("kmnist/train-images-idx3-ubyte.gz"),
            new("kmnist/train-labels-idx1-ubyte.gz"),
            new("kmnist/t10k-images-idx3-ubyte.gz"),
            new("kmnist/t10k-labels-idx1-ubyte.gz"),
        ],
        [
            new("kmnist/train-images-idx3-ubyte.gz", new("http://codh.rois.ac.jp/kmnist/dataset/kmnist/train-images-idx3-ubyte.gz"), HashKind.Md5, "bdb82020997e1d708af4cf47b453dcf7", KmnistSource),
            new("kmnist/train-labels-idx1-ubyte.gz", new("http://codh.rois.ac.jp/kmnist/dataset/kmnist/train-labels-idx1-ubyte.gz"), HashKind.Md5, "e144d726b3acfaa3e44228e80efcd344", KmnistSource),
            new("kmnist/t10k-images-idx3-ubyte.gz", new("http://codh.rois.ac.jp/kmnist/dataset/kmnist/t10k-images-idx3-ubyte.gz"), HashKind.Md5, "5c965bf0a639b31b8f53240b1b52f4d7", KmnistSource),
            new("kmnist/t10k-labels-idx1-ubyte.gz", new("http://codh.rois.ac.jp/kmnist/dataset/kmnist/t10k-labels-idx1-ubyte.gz"), HashKind.Md5, "7320c461ea6c1c855c0b718fb2a4b134", KmnistSource),
        ],
        "CC BY-SA 4.0 (see https://github.com/rois-codh/kmnist)",
        "Tarin Clanuwat, Mikel Bober-Irizar, Asanobu Kitamoto, Alex Lamb, Kazuaki Yamamoto, David Ha. Deep Learning for Classical Japanese Literature. arXiv:1812.01718, 2018.");

    public static CatalogueDataset Cifar10 { get; } = new(
        "cifar-10",
        "CIFAR-10 binary version: 60 000 32x32 colour images of 10 classes (5 training batches + 1 test batch)",
        [
            new("cifar-10-batches-bin/data_batch_1.bin"),
            new("cifar-10-batches-bin/data_batch_2.bin"),
            new("cifar-10-batches-bin/data_batch_3.bin"),
            new("cifar-10-batches-bin/data_batch_4.bin"),
            new("cifar-10-batches-bin/data_batch_5.bin"),
            new("cifar-10-batches-bin/test_batch.bin"),
        ],
        [new("cifar-10-binary.tar.gz", new("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"), HashKind.Md5, "c32a1d4ab5d03f1284b67883e8d87530", CifarPage, IsArchive: true)],
        "see https://www.cs.toronto.edu/~kriz/cifar.html",
        "Alex Krizhevsky. Learning Multiple Layers of Features from Tiny Images. Technical report, University of Toronto, 2009.");

    public static CatalogueDataset Cifar100 { get; } = new(
        "cifar-100",
        "CIFAR-100 binary version: 60 000 32x32 colour images, 100 fine classes in 20 superclasses (train.bin, test.bin)",
        [
            new("cifar-100-binary/train.bin"),
            new("cifar-100-binary/test.bin"),
        ],
        [new("cifar-100-binary.tar.gz", new("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"), HashKind.Md5, "03b5dce01913d631647c71ecec9e9cb8", CifarPage, IsArchive: true)],
        "see https://www.cs.toronto.edu/~kriz/cifar.html",
        "Alex Krizhevsky. Learning Multiple Layers of Features from Tiny Images. Technical report, University of Toronto, 2009.");

    public static IReadOnlyList<CatalogueDataset> Datasets { get; } = [FashionMnist, Mnist, Kmnist, Cifar10, Cifar100];

    public static CatalogueDataset Find(string name) =>
        Datasets.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"unknown dataset '{name}'; known: {string.Join(", ", Datasets.Select(d => d.Name))}", nameof(name));

    /// <summary>
    /// The path a loader should read for <paramref name="file"/>: the file itself, or for a ".gz" name
    /// its decompressed twin (users often unpack IDX files); null when neither exists.
    /// </summary>
    public static string? Locate(string dataDir, CatalogueFile file)
    {
        string path = Path.Combine(dataDir, file.RelativePath);
        if (File.Exists(path)) return path;
        if (path.EndsWith(".gz", StringComparison.Ordinal) && File.Exists(path[..^3])) return path[..^3];
        return null;
    }
}
