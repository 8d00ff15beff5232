// Loading Fashion-MNIST (60 000 training images) against the floor of merely gunzipping the
// same files, plus the split-fmnist task build and one shuffled epoch of batches of 100.
// Data: APD_TEST_DATA, or a shared/data folder above the benchmark's directory.
using System.IO.Compression;
using Apd.Data;
using Apd.Data.Readers;
using Apd.Engine.Tensors;
using BenchmarkDotNet.Attributes;

namespace Apd.Benchmarks.Data;

[MemoryDiagnoser]
public class DataLoadingBenchmarks
{
    private string _dataDir = "";
    private string _images = "";
    private string _labels = "";
    private LabeledSet _train = null!;
    private Batcher _batcher = null!;
    private float[] _x = [];
    private int[] _y = [];

    [GlobalSetup]
    public void Setup()
    {
        _dataDir = FindSharedData() ?? throw new InvalidOperationException("Fashion-MNIST not found: set APD_TEST_DATA to the shared data folder");
        _images = Path.Combine(_dataDir, "fashion-mnist", "train-images-idx3-ubyte.gz");
        _labels = Path.Combine(_dataDir, "fashion-mnist", "train-labels-idx1-ubyte.gz");
        _train = IdxReader.ReadLabeledSet(_images, _labels);
        _batcher = new Batcher(_train, 100, seed: 1);
        _x = new float[_batcher.BatchFloats];
        _y = new int[_batcher.BatchSize];
    }

    [Benchmark(Baseline = true, Description = "gunzip only (60k images + labels)")]
    public long GunzipOnly() => Gunzip(_images) + Gunzip(_labels);

    [Benchmark(Description = "IdxReader.ReadLabeledSet (60k, validated, float [0,1])")]
    public int ReadFashionMnistTrain() => IdxReader.ReadLabeledSet(_images, _labels).Count;

    [Benchmark(Description = "ContinualBenchmarks.Load split-fmnist (70k, SHA-256 checked)")]
    public int LoadSplitFmnist() => ContinualBenchmarks.Load("split-fmnist", new BenchmarkOptions { DataDir = _dataDir }).Tasks.Count;

    [Benchmark(Description = "Batcher: one shuffled epoch, batch 100 (60k)")]
    public int BatcherEpoch()
    {
        _batcher.Reset(_batcher.Epoch + 1);
        int batches = 0;
        while (_batcher.Next(_x, _y, out _)) batches++;
        return batches;
    }

    private static long Gunzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = gz.Read(buffer)) > 0) total += n;
        return total;
    }

    private static string? FindSharedData()
    {
        string? env = Environment.GetEnvironmentVariable("APD_TEST_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(Path.Combine(candidate, "fashion-mnist"))) return candidate;
        }
        return null;
    }
}
