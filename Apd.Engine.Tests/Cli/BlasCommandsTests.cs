using System.Text.Json;
using Apd.Engine.Blas;

namespace Apd.Engine.Tests.Cli;

public class BlasCommandsTests
{
    private static (int Code, string Out, string Err) Apd(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = global::Apd.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public void Info_names_the_provider_its_threads_and_the_simd_width()
    {
        var (code, output, _) = Apd("info");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("blas:").And.Contain(BlasProvider.Current.Name).And.Contain("thread"));
        Assert.That(output, Does.Contain("simd in use:").And.Contain(".net:"));
    }

    [Test]
    public void Bench_gemm_json_has_one_positive_result_per_shape_and_thread_count()
    {
        string path = Path.Combine(Path.GetTempPath(), $"apd-bench-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, err) = Apd("bench", "gemm", "--runs", "1", "--min-ms", "0", "--threads", "1,2", "--providers", "managed", "--json", path);
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(output, Does.Contain("100x3200x800 NN"));
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var results = doc.RootElement.GetProperty("results").EnumerateArray().ToArray();
            Assert.That(results, Has.Length.EqualTo(GemmShape.Engine.Count * 2));
            foreach (var r in results)
            {
                Assert.That(r.GetProperty("provider").GetString(), Is.EqualTo("managed"));
                Assert.That(r.GetProperty("gflops").GetDouble(), Is.GreaterThan(0));
                Assert.That(r.GetProperty("ta").GetString(), Is.AnyOf("N", "T"));
            }
            Assert.That(results.Select(r => (r.GetProperty("m").GetInt32(), r.GetProperty("k").GetInt32(), r.GetProperty("n").GetInt32(), r.GetProperty("threads").GetInt32())).Distinct().Count(),
                Is.EqualTo(results.Length));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(Transpose.No, Transpose.No), TestCase(Transpose.No, Transpose.Yes), TestCase(Transpose.Yes, Transpose.No), TestCase(Transpose.Yes, Transpose.Yes)]
    public void MathNet_benchmark_adapter_computes_the_row_major_product(Transpose ta, Transpose tb)
    {
        const int m = 7, n = 11, k = 5;
        var rng = new Random(9);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        int lda = ta == Transpose.No ? k : m, ldb = tb == Transpose.No ? n : k;
        var actual = new float[m * n];
        var expected = new float[m * n];
        new global::Apd.Cli.Commands.MathNetBlas().Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, actual, n);
        global::Apd.Engine.Kernels.Reference.GemmReference.Gemm(ta == Transpose.Yes, tb == Transpose.Yes, m, n, k, 1f, a, lda, b, ldb, 0f, expected, n);
        Assert.That(actual, Is.EqualTo(expected).Within(1e-5f));
    }

    [Test]
    public void Unknown_benchmark_and_unknown_option_are_usage_errors()
    {
        Assert.That(Apd("bench", "nosuch").Code, Is.EqualTo(2));
        var (code, _, err) = Apd("bench", "gemm", "--nosuch", "1");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--nosuch"));
    }

    [Test]
    public void Naming_a_missing_native_library_is_an_error_that_lists_what_was_searched()
    {
        if (BlasProvider.TryNative("mkl", out _) is not null) Assert.Ignore("MKL is installed here; the missing-library error cannot be provoked.");
        var ex = Assert.Throws<InvalidOperationException>(() => BlasProvider.Create("mkl"));
        Assert.That(ex!.Message, Does.Contain("libmkl_rt"));
        Assert.Throws<ArgumentException>(() => BlasProvider.Create("fastest"));
        Assert.That(BlasProvider.Create("managed"), Is.InstanceOf<ManagedBlas>());
        Assert.That(BlasProvider.Create("auto").Name, Is.AnyOf("managed", "openblas", "mkl"));
    }
}
