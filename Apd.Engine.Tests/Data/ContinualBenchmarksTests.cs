using Apd.Data;
using Apd.Data.Catalogue;
using Apd.Data.Readers;

namespace Apd.Engine.Tests.Data;

public sealed class ContinualBenchmarksTests
{
    [Test]
    public void Split_digits_has_five_two_class_tasks_from_a_stratified_80_20_split()
    {
        var seq = ContinualBenchmarks.Load("split-digits");
        Assert.That(seq.Tasks, Has.Count.EqualTo(5));
        Assert.That((seq.Channels, seq.Height, seq.Width), Is.EqualTo((1, 8, 8)));
        int train = 0, test = 0;
        for (int t = 0; t < 5; t++)
        {
            var task = seq.Tasks[t];
            Assert.That(task.OriginalClasses, Is.EqualTo(new[] { 2 * t, 2 * t + 1 }));
            Assert.That(task.Classes, Is.EqualTo(2));
            Assert.That(task.Train.Labels.Distinct().Order(), Is.EqualTo(new[] { 0, 1 }));
            Assert.That(task.Test.Labels.Distinct().Order(), Is.EqualTo(new[] { 0, 1 }));
            train += task.Train.Count;
            test += task.Test.Count;
        }
        Assert.That(train + test, Is.EqualTo(1797));
        // round(0.2·n_c) per class of the UCI class counts 178,182,177,183,181,182,181,179,174,180.
        Assert.That(test, Is.EqualTo(359));
    }

    [Test]
    public void Split_digits_test_set_does_not_depend_on_the_seed_but_subsets_do()
    {
        var a = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { Seed = 1, TrainPerTask = 50 });
        var b = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { Seed = 2, TrainPerTask = 50 });
        var a2 = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { Seed = 1, TrainPerTask = 50 });
        Assert.That(a.Tasks[0].Test.Images, Is.EqualTo(b.Tasks[0].Test.Images));
        Assert.That(a.Tasks[0].Train.Count, Is.EqualTo(50));
        Assert.That(a.Tasks[0].Train.Images, Is.Not.EqualTo(b.Tasks[0].Train.Images));
        Assert.That(a.Tasks[3].Train.Images, Is.EqualTo(a2.Tasks[3].Train.Images));
    }

    [Test]
    public void Validation_fraction_carves_a_stratified_validation_set()
    {
        var seq = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { ValidationFraction = 0.25 });
        var full = ContinualBenchmarks.Load("split-digits");
        var task = seq.Tasks[1];
        Assert.That(task.Validation, Is.Not.Null);
        Assert.That(task.Train.Count + task.Validation!.Count, Is.EqualTo(full.Tasks[1].Train.Count));
        Assert.That(task.Validation.Labels.Count(l => l == 0), Is.GreaterThan(30));
        Assert.That(task.Validation.Labels.Count(l => l == 1), Is.GreaterThan(30));
    }

    [Test]
    public void Explicit_and_random_class_orders_change_the_groups()
    {
        var explicitOrder = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { Order = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] });
        Assert.That(explicitOrder.Tasks[0].OriginalClasses, Is.EqualTo(new[] { 9, 8 }));
        var r1 = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { RandomOrder = true, Seed = 5 });
        var r2 = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { RandomOrder = true, Seed = 5 });
        Assert.That(r1.Tasks.Select(t => t.OriginalClasses), Is.EqualTo(r2.Tasks.Select(t => t.OriginalClasses)));
        Assert.That(r1.Tasks.SelectMany(t => t.OriginalClasses).Order(), Is.EqualTo(Enumerable.Range(0, 10)));
        Assert.Throws<ArgumentException>(() => ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { Order = [0, 1, 2] }));
    }

    [Test]
    public void Mean_std_normalisation_centres_the_training_pixels()
    {
        var seq = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { Normalization = PixelNormalization.MeanStd });
        double sum = 0, count = 0;
        foreach (var t in seq.Tasks) { sum += t.Train.Images.Sum(v => (double)v); count += t.Train.Images.Length; }
        Assert.That(sum / count, Is.EqualTo(0).Within(1e-4));
        var given = ContinualBenchmarks.Load("split-digits", new BenchmarkOptions { Normalization = PixelNormalization.MeanStd, Mean = [0.5f], Std = [0.25f] });
        var plain = ContinualBenchmarks.Load("split-digits");
        Assert.That(given.Tasks[0].Test.Images[5], Is.EqualTo((plain.Tasks[0].Test.Images[5] - 0.5f) / 0.25f).Within(1e-6f));
    }

    [Test]
    public void Unknown_benchmark_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ContinualBenchmarks.Load("split-imagenet"))!;
        Assert.That(e.Message, Does.Contain("split-digits").And.Contain("cifar100-superclass"));
    }

    [TestCase("split-fmnist", "fashion-mnist")]
    [TestCase("rotated-kmnist-3", "kmnist")]
    [TestCase("permuted-mnist-2", "mnist")]
    [TestCase("split-cifar10", "cifar-10")]
    [TestCase("cifar100-superclass", "cifar-100")]
    public void Missing_files_are_listed_with_where_to_put_them(string benchmark, string dataset)
    {
        string dir = DataFixtures.TempDir();
        try
        {
            var entry = DataCatalogue.Find(dataset);
            var e = Assert.Throws<MissingDataException>(() => ContinualBenchmarks.Load(benchmark, new BenchmarkOptions { DataDir = dir }))!;
            Assert.That(e.MissingPaths, Has.Count.EqualTo(entry.Files.Count));
            foreach (var f in entry.Files) Assert.That(e.Message, Does.Contain(Path.Combine(dir, f.RelativePath)));
            foreach (var d in entry.Downloads) Assert.That(e.Message, Does.Contain(d.Url.ToString()).And.Contain(d.Hash));
            Assert.That(e.Message, Does.Contain($"apd data fetch {dataset}").And.Contain("MD5"));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A data folder with small CIFAR-100 files: train 2 images per fine class, test 1.</summary>
    private static string FakeCifar100()
    {
        string dir = DataFixtures.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "cifar-100-binary"));
        // Superclass of fine label f: (f * 7) mod 20 — every superclass then has exactly 5 fine classes.
        (int, int)[] Labels(int copies) => Enumerable.Range(0, 100 * copies).Select(i => ((i % 100) * 7 % 20, i % 100)).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "cifar-100-binary", "train.bin"), CifarBinaryReaderTests.Rows(CifarVariant.Cifar100, Labels(2)));
        File.WriteAllBytes(Path.Combine(dir, "cifar-100-binary", "test.bin"), CifarBinaryReaderTests.Rows(CifarVariant.Cifar100, Labels(1)));
        return dir;
    }

    [Test]
    public void Cifar100_split_follows_the_papers_task_orders()
    {
        string dir = FakeCifar100();
        try
        {
            var seq = ContinualBenchmarks.Load("cifar100-split", new BenchmarkOptions { DataDir = dir, PaperOrder = 1 });
            Assert.That(seq.Tasks, Has.Count.EqualTo(10));
            Assert.That(seq.Tasks[0].OriginalClasses, Is.EqualTo(Enumerable.Range(10, 10)), "orderB starts with group 1");
            Assert.That(seq.Tasks[1].OriginalClasses, Is.EqualTo(Enumerable.Range(70, 10)));
            Assert.That(seq.Tasks[0].Train.Count, Is.EqualTo(20));
            Assert.That(seq.Tasks[0].Test.Count, Is.EqualTo(10));
            Assert.That((seq.Channels, seq.Height, seq.Width), Is.EqualTo((3, 32, 32)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Cifar100_superclass_groups_fine_classes_by_coarse_label()
    {
        string dir = FakeCifar100();
        try
        {
            var seq = ContinualBenchmarks.Load("cifar100-superclass", new BenchmarkOptions { DataDir = dir, PaperOrder = 2 });
            Assert.That(seq.Tasks, Has.Count.EqualTo(20));
            int g = ContinualBenchmarks.PaperSuperclassOrders[2][0];
            var expected = Enumerable.Range(0, 100).Where(f => f * 7 % 20 == g).ToArray();
            Assert.That(seq.Tasks[0].OriginalClasses, Is.EqualTo(expected));
            Assert.That(seq.Tasks[0].Classes, Is.EqualTo(5));
            Assert.That(seq.Tasks[0].Train.Count, Is.EqualTo(10));
            Assert.That(seq.Tasks.SelectMany(t => t.OriginalClasses).Order(), Is.EqualTo(Enumerable.Range(0, 100)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Paper_orders_are_permutations()
    {
        foreach (var o in ContinualBenchmarks.PaperSplitOrders) Assert.That(o.Order(), Is.EqualTo(Enumerable.Range(0, 10)));
        foreach (var o in ContinualBenchmarks.PaperSuperclassOrders) Assert.That(o.Order(), Is.EqualTo(Enumerable.Range(0, 20)));
    }

    [Test]
    public void Split_cifar10_reads_five_training_batches_and_the_test_batch()
    {
        string dir = DataFixtures.TempDir();
        try
        {
            string sub = Path.Combine(dir, "cifar-10-batches-bin");
            Directory.CreateDirectory(sub);
            var rows = Enumerable.Range(0, 10).Select(i => (0, i)).ToArray();
            for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(sub, $"data_batch_{b}.bin"), CifarBinaryReaderTests.Rows(CifarVariant.Cifar10, rows));
            File.WriteAllBytes(Path.Combine(sub, "test_batch.bin"), CifarBinaryReaderTests.Rows(CifarVariant.Cifar10, rows));
            var seq = ContinualBenchmarks.Load("split-cifar10", new BenchmarkOptions { DataDir = dir });
            Assert.That(seq.Tasks, Has.Count.EqualTo(5));
            Assert.That(seq.Tasks[2].OriginalClasses, Is.EqualTo(new[] { 4, 5 }));
            Assert.That(seq.Tasks[2].Train.Count, Is.EqualTo(10));
            Assert.That(seq.Tasks[2].Test.Count, Is.EqualTo(2));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static string FashionDataDir()
    {
        string shared = DataFixtures.RequireSharedData("fashion-mnist");
        return Path.GetDirectoryName(shared)!;
    }

    [Test]
    public void Split_fmnist_from_real_data_has_12000_train_and_2000_test_per_task()
    {
        var seq = ContinualBenchmarks.Load("split-fmnist", new BenchmarkOptions { DataDir = FashionDataDir() });
        Assert.That(seq.Tasks, Has.Count.EqualTo(5));
        foreach (var t in seq.Tasks)
        {
            Assert.That(t.Train.Count, Is.EqualTo(12000));
            Assert.That(t.Test.Count, Is.EqualTo(2000));
            Assert.That(t.Train.Labels.Count(l => l == 0), Is.EqualTo(6000));
        }
    }

    /// <summary>A data folder with small, well-formed but non-standard Fashion-MNIST files (raw, not gzip):
    /// 40 training and 20 test images of 6×6, label i mod 10.</summary>
    private static string FakeFashion()
    {
        string dir = DataFixtures.TempDir();
        string sub = Path.Combine(dir, "fashion-mnist");
        Directory.CreateDirectory(sub);
        void Write(string prefix, int n)
        {
            File.WriteAllBytes(Path.Combine(sub, $"{prefix}-images-idx3-ubyte"), DataFixtures.Idx([n, 6, 6], DataFixtures.ImagePixels(n, 6, 6)));
            File.WriteAllBytes(Path.Combine(sub, $"{prefix}-labels-idx1-ubyte"), DataFixtures.Idx([n], Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray()));
        }
        Write("train", 40);
        Write("t10k", 20);
        return dir;
    }

    [Test]
    public void Non_standard_fashion_content_is_rejected_unless_verification_is_off()
    {
        string dir = FakeFashion();
        try
        {
            var e = Assert.Throws<DataFormatException>(() => ContinualBenchmarks.Load("fmnist", new BenchmarkOptions { DataDir = dir }))!;
            Assert.That(e.Message, Does.Contain("train-images-idx3-ubyte").And.Contain("not the standard data"));
            var seq = ContinualBenchmarks.Load("fmnist", new BenchmarkOptions { DataDir = dir, VerifyContent = false });
            Assert.That(seq.Tasks[0].Train.Count, Is.EqualTo(40));
            Assert.That(seq.Tasks[0].Test.Count, Is.EqualTo(20));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void A_corrupt_file_surfaces_as_the_readers_error_naming_it()
    {
        string dir = FakeFashion();
        try
        {
            string labels = Path.Combine(dir, "fashion-mnist", "t10k-labels-idx1-ubyte");
            var bytes = File.ReadAllBytes(labels);
            bytes[0] = 0x42;
            File.WriteAllBytes(labels, bytes);
            var e = Assert.Throws<DataFormatException>(() => ContinualBenchmarks.Load("split-fmnist", new BenchmarkOptions { DataDir = dir, VerifyContent = false }))!;
            Assert.That(e.Message, Does.Contain(labels).And.Contain("offset 0"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Permuted_tasks_permute_the_same_images_and_task_0_is_unpermuted()
    {
        string dir = FakeFashion();
        try
        {
            var options = new BenchmarkOptions { DataDir = dir, VerifyContent = false };
            var plain = ContinualBenchmarks.Load("fmnist", options).Tasks[0].Train;
            var seq = ContinualBenchmarks.Load("permuted-fmnist-3", options);
            Assert.That(seq.Tasks[0].Train.Images, Is.EqualTo(plain.Images));
            var p1 = seq.Tasks[1].Train;
            var p2 = seq.Tasks[2].Train;
            Assert.That(p1.Labels, Is.EqualTo(plain.Labels));
            Assert.That(p1.Images, Is.Not.EqualTo(plain.Images));
            Assert.That(p1.Images, Is.Not.EqualTo(p2.Images), "each task has its own permutation");
            for (int i = 0; i < plain.Count; i++)
                Assert.That(p1.Sample(i).ToArray().Order(), Is.EqualTo(plain.Sample(i).ToArray().Order()), $"image {i} keeps its pixel values");
            var again = ContinualBenchmarks.Load("permuted-fmnist-3", options);
            Assert.That(again.Tasks[2].Train.Images, Is.EqualTo(p2.Images));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Rotated_tasks_turn_by_k_times_180_over_n_degrees()
    {
        string dir = FakeFashion();
        try
        {
            var options = new BenchmarkOptions { DataDir = dir, VerifyContent = false, TestPerTask = 5 };
            var plain = ContinualBenchmarks.Load("fmnist", options with { TestPerTask = null }).Tasks[0];
            var seq = ContinualBenchmarks.Load("rotated-fmnist-2", options);
            Assert.That(seq.Tasks.Select(t => t.Name), Is.EqualTo(new[] { "task 1: rotation 0°", "task 2: rotation 90°" }));
            Assert.That(seq.Tasks[0].Train.Images, Is.EqualTo(plain.Train.Images));
            Assert.That(seq.Tasks[1].Train.Images, Is.EqualTo(Apd.Data.Tasks.TaskBuilders.Rotate(plain.Train, 90).Images));
            Assert.That(seq.Tasks[1].Test.Count, Is.EqualTo(5));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void Rotated_fmnist_from_real_data_keeps_per_task_subsets()
    {
        var options = new BenchmarkOptions { DataDir = FashionDataDir(), TrainPerTask = 200, TestPerTask = 100 };
        var rotated = ContinualBenchmarks.Load("rotated-fmnist-4", options);
        Assert.That(rotated.Tasks, Has.Count.EqualTo(4));
        Assert.That(rotated.Tasks[2].Name, Does.Contain("90°"));
        Assert.That(rotated.Tasks.Select(t => t.Train.Count), Has.All.EqualTo(200));
        Assert.That(rotated.Tasks.Select(t => t.Test.Count), Has.All.EqualTo(100));
        Assert.That(rotated.Tasks[0].Classes, Is.EqualTo(10));
    }
}
