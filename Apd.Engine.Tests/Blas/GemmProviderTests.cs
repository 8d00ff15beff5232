using Apd.Engine.Blas;
using Apd.Engine.Kernels.Reference;
using Apd.Engine.Tests.Kernels;
using MathNet.Numerics.LinearAlgebra;

namespace Apd.Engine.Tests.Blas;

/// <summary>
/// One fixture for every IBlas provider: each derived class supplies a provider (or ignores itself
/// when its native library is absent) and runs the same cases against the naive loop and MathNet.
/// </summary>
public abstract class GemmProviderTests
{
    protected abstract IBlas CreateProvider();

    private IBlas _blas = null!;

    [OneTimeSetUp]
    public void CreateBlas() => _blas = CreateProvider();

    private static readonly Transpose[] Both = [Transpose.No, Transpose.Yes];

    // (m, n, k): the degenerate ones, odd sizes around every tile and block edge, K slices > KC,
    // N blocks > NB, enough work to cross the multi-thread threshold.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 7, 1), (5, 3, 1), (17, 129, 33), (13, 31, 40), (12, 32, 16), (25, 65, 7),
        (100, 80, 397), (37, 333, 61), (130, 200, 150), (64, 700, 50), (3, 1000, 3), (1, 300, 300), (300, 1, 200),
        (20, 64, 40), (30, 1024, 50), (250, 96, 70), (6, 35, 20), (4, 20, 30), (3, 5, 7), (2, 50, 40), (3100, 40, 3), (16, 64, 20), (28, 96, 9), (210, 700, 45),
        // One column of C (matrix-vector products): row counts and K around the 4-row and 16-wide steps.
        (64, 1, 64), (37, 1, 1000), (1000, 1, 3), (5, 1, 2000), (67, 1, 129),
        // One row of C, and narrow C (2 ≤ n < 16): dot products over contiguous copies.
        (1, 100, 300), (1, 37, 64), (1000, 2, 40), (10, 10, 1000), (7, 5, 300), (33, 15, 17), (5, 4, 9), (300, 3, 2),
        (64, 15, 300), (100, 12, 40), (53, 9, 70), (40, 13, 3),
        // Leading dimension of A a multiple of 4 KiB (K = 1024): A packed, not read in place.
        (40, 40, 1024),
        // Narrow C of 8 to 16 columns with few rows: broadcasts of A against B's rows (blocks of 8, 4 and 1 rows).
        (13, 9, 300), (47, 16, 20), (30, 8, 200),
    ];

    [Test]
    public void Sgemm_matches_naive_loop_on_every_shape_and_transpose()
    {
        int seed = 1;
        foreach (var (m, n, k) in Shapes)
            foreach (var ta in Both)
                foreach (var tb in Both)
                    CheckSgemm(ta, tb, m, n, k, alpha: 1f, beta: 0f, pad: 0, seed++);
    }

    [Test]
    public void Sgemm_applies_alpha_beta_and_leading_dimensions_larger_than_the_row()
    {
        int seed = 100;
        foreach (var (m, n, k) in new[] { (17, 129, 33), (130, 200, 150), (40, 70, 500), (130, 1, 150), (45, 1, 77), (1, 90, 70), (60, 6, 90), (70, 11, 45), (100, 45, 20) })
            foreach (var ta in Both)
                foreach (var tb in Both)
                {
                    CheckSgemm(ta, tb, m, n, k, alpha: -0.75f, beta: 0.5f, pad: 3, seed++);
                    CheckSgemm(ta, tb, m, n, k, alpha: 2f, beta: 1f, pad: 5, seed++);
                    CheckSgemm(ta, tb, m, n, k, alpha: 1.5f, beta: 0f, pad: 1, seed++);
                    CheckSgemm(ta, tb, m, n, k, alpha: 1f, beta: 0.5f, pad: 2, seed++);
                }
    }

    [Test]
    public void Sgemm_matches_naive_loop_on_random_shapes_transposes_scalars_and_strides()
    {
        // Shapes drawn log-uniformly from 1 to 160 per dimension, so every path (scalar, direct, matrix-vector,
        // narrow, short K, packed or read in place, ragged last tiles) is met with sizes no list above names.
        var draw = new Random(2026);
        float[] alphas = [1f, -0.75f, 2f], betas = [0f, 1f, 0.5f];
        int saved = _blas.Threads;
        try
        {
            for (int trial = 0; trial < 500; trial++)
            {
                int m = Dimension(draw), n = Dimension(draw), k = Dimension(draw);
                _blas.Threads = 1 + draw.Next(2);
                CheckSgemm(Both[draw.Next(2)], Both[draw.Next(2)], m, n, k, alphas[draw.Next(3)], betas[draw.Next(3)],
                    pad: draw.Next(4) == 0 ? draw.Next(1, 6) : 0, seed: 5000 + trial);
            }
        }
        finally
        {
            _blas.Threads = saved;
        }

        static int Dimension(Random r) => (int)Math.Exp(r.NextDouble() * Math.Log(161));
    }

    [Test]
    public void Sgemm_crosses_the_multi_thread_threshold_with_identical_results_to_the_oracle()
    {
        int saved = _blas.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                _blas.Threads = threads;
                CheckSgemm(Transpose.No, Transpose.No, 200, 300, 400, 1f, 0f, 0, 7 + threads);
                CheckSgemm(Transpose.Yes, Transpose.Yes, 97, 411, 389, 0.5f, 2f, 2, 17 + threads);
                CheckSgemm(Transpose.Yes, Transpose.No, 23, 1030, 100, 1f, 1f, 0, 27 + threads);
                // Few tiles over a long K: the threads split K and add their partial products.
                CheckSgemm(Transpose.No, Transpose.Yes, 20, 75, 1600, 1f, 0f, 0, 37 + threads);
                CheckSgemm(Transpose.Yes, Transpose.No, 9, 40, 6000, -0.5f, 0.25f, 3, 47 + threads);
                // Matrix-vector products large enough to share between threads.
                CheckSgemm(Transpose.No, Transpose.No, 2100, 1, 1100, 1f, 0f, 0, 57 + threads);
                CheckSgemm(Transpose.Yes, Transpose.Yes, 1500, 1, 1500, 0.5f, -1f, 2, 67 + threads);
                CheckSgemm(Transpose.Yes, Transpose.No, 1000, 7, 400, 1f, 0.5f, 1, 77 + threads);
            }
        }
        finally
        {
            _blas.Threads = saved;
        }
    }

    [Test]
    public void Sgemm_with_beta_zero_ignores_NaN_in_C_and_k_zero_scales_C()
    {
        var a = new float[6 * 40];
        var b = new float[40 * 50];
        Array.Fill(a, 1f);
        Array.Fill(b, 0.5f);
        var c = new float[6 * 50];
        Array.Fill(c, float.NaN);
        _blas.Sgemm(Transpose.No, Transpose.No, 6, 50, 40, 1f, a, 40, b, 50, 0f, c, 50);
        Assert.That(c, Is.All.EqualTo(20f));
        _blas.Sgemm(Transpose.No, Transpose.No, 6, 50, 0, 1f, a, 1, b, 50, 0.25f, c, 50);
        Assert.That(c, Is.All.EqualTo(5f));

        // The same through the matrix-vector, narrow and in-place paths: C's NaN is never read when beta = 0.
        foreach (var (m, n, k, ta) in new[] { (300, 1, 40, false), (1, 300, 40, false), (200, 5, 40, false), (64, 7, 40, true), (100, 40, 40, false) })
        {
            var big = new float[Math.Max(m, n) * k];
            Array.Fill(big, 0.5f);
            var cc = new float[m * n];
            Array.Fill(cc, float.NaN);
            _blas.Sgemm(ta ? Transpose.Yes : Transpose.No, Transpose.No, m, n, k, 1f, big, ta ? m : k, big, n, 0f, cc, n);
            Assert.That(cc, Is.All.EqualTo(10f), $"{m}×{n}×{k} {(ta ? "TN" : "NN")}");
        }
    }

    [Test]
    public void Sgemm_rejects_a_span_too_short_for_its_leading_dimension()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            _blas.Sgemm(Transpose.No, Transpose.No, 4, 4, 4, 1f, new float[15], 4, new float[16], 4, 0f, new float[16], 4));
        Assert.That(ex!.Message, Does.Contain("A"));
        Assert.Throws<ArgumentException>(() =>
            _blas.Sgemm(Transpose.No, Transpose.No, 4, 4, 4, 1f, new float[16], 3, new float[16], 4, 0f, new float[16], 4));
        var bShort = Assert.Throws<ArgumentException>(() =>
            _blas.Sgemm(Transpose.No, Transpose.Yes, 2, 5, 3, 1f, new float[6], 3, new float[14], 3, 0f, new float[10], 5));
        Assert.That(bShort!.Message, Does.Contain("B (5×3, leading dimension 3) needs 15 elements, the span has 14"));
        var cNarrow = Assert.Throws<ArgumentException>(() =>
            _blas.Sgemm(Transpose.No, Transpose.No, 2, 5, 3, 1f, new float[6], 3, new float[15], 5, 0f, new float[10], 4));
        Assert.That(cNarrow!.Message, Does.Contain("Leading dimension of C is 4, less than its row length 5"));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            _blas.Sgemm(Transpose.No, Transpose.No, 2, -1, 3, 1f, new float[6], 3, new float[15], 5, 0f, new float[10], 5));
    }

    [Test]
    public void Sgemm_accepts_exactly_the_arguments_that_fit_and_names_the_matrix_that_does_not()
    {
        // Every small combination of sizes (across the managed provider's 1–4 tiny path and out of it), leading
        // dimensions and span lengths, valid or not: the call succeeds exactly when each stored matrix fits its span and
        // then matches the naive loop; a failure names the first matrix that does not fit and leaves C as it was.
        var rng = new Random(11);
        int valid = 0, faulty = 0;
        for (int trial = 0; trial < 4000; trial++)
        {
            var ta = rng.Next(2) == 0 ? Transpose.No : Transpose.Yes;
            var tb = rng.Next(2) == 0 ? Transpose.No : Transpose.Yes;
            int m = rng.Next(-1, 6), n = rng.Next(0, 6), k = rng.Next(0, 6);
            int lda = rng.Next(0, 7), ldb = rng.Next(0, 7), ldc = rng.Next(0, 7);
            int aLen = rng.Next(0, 30), bLen = rng.Next(0, 30), cLen = rng.Next(0, 30);
            string? fault = m < 0 ? "m"
                : Fault("A", ta == Transpose.No ? m : k, ta == Transpose.No ? k : m, aLen, lda)
                ?? Fault("B", tb == Transpose.No ? k : n, tb == Transpose.No ? n : k, bLen, ldb)
                ?? Fault("C", m, n, cLen, ldc);
            float[] a = Random(rng, aLen), b = Random(rng, bLen), c = Random(rng, cLen);
            float[] before = (float[])c.Clone();
            float beta = rng.Next(2) == 0 ? 0f : 0.5f;
            string what = $"{ta}{tb} m={m} n={n} k={k} ld {lda}/{ldb}/{ldc} lengths {aLen}/{bLen}/{cLen}";
            void Call() => _blas.Sgemm(ta, tb, m, n, k, 1.5f, a, lda, b, ldb, beta, c, ldc);
            if (fault is null)
            {
                Assert.DoesNotThrow(Call, what);
                float[] expected = before;
                GemmReference.Gemm(ta == Transpose.Yes, tb == Transpose.Yes, m, n, k, 1.5f, a, lda, b, ldb, beta, expected, ldc);
                Approx.AssertClose<float>(c, expected, 1e-5, 1e-5, what);
                valid++;
                continue;
            }
            if (fault == "m") Assert.Throws<ArgumentOutOfRangeException>(Call);
            else
            {
                var ex = Assert.Throws<ArgumentException>(Call, what);
                Assert.That(ex!.Message, Does.Contain(fault));
            }
            Assert.That(c, Is.EqualTo(before), $"C written before the error: {what}");
            faulty++;
        }
        Assert.That(valid, Is.GreaterThan(400), "valid calls drawn");
        Assert.That(faulty, Is.GreaterThan(400), "faulty calls drawn");

        static string? Fault(string name, int rows, int cols, int length, int ld)
            => ld < Math.Max(1, cols) ? $"Leading dimension of {name}"
                : rows > 0 && cols > 0 && (rows - 1) * ld + cols > length ? $"{name} ({rows}×{cols}" : null;

        static float[] Random(Random rng, int length)
        {
            var x = new float[length];
            for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            return x;
        }
    }

    [Test]
    public void Sgemm_rejects_a_transpose_that_is_neither_No_nor_Yes()
    {
        // An undefined Transpose would otherwise be checked as one layout and read as the other.
        foreach (var (m, n, k) in new[] { (2, 2, 2), (20, 30, 40) })
        {
            var a = new float[m * k];
            var b = new float[k * n];
            var c = new float[m * n];
            var exA = Assert.Throws<ArgumentOutOfRangeException>(() => _blas.Sgemm((Transpose)2, Transpose.No, m, n, k, 1f, a, k, b, n, 0f, c, n));
            Assert.That(exA!.ParamName, Is.EqualTo("transA"));
            var exB = Assert.Throws<ArgumentOutOfRangeException>(() => _blas.Sgemm(Transpose.No, (Transpose)(-1), m, n, k, 1f, a, k, b, n, 0f, c, n));
            Assert.That(exB!.ParamName, Is.EqualTo("transB"));
            Assert.Throws<ArgumentOutOfRangeException>(() => _blas.Dgemm(Transpose.No, (Transpose)7, m, n, k, 1.0, new double[m * k], k, new double[k * n], n, 0.0, new double[m * n], n));
        }
    }

    [TestCase(Transpose.No, Transpose.No), TestCase(Transpose.No, Transpose.Yes), TestCase(Transpose.Yes, Transpose.No), TestCase(Transpose.Yes, Transpose.Yes)]
    public void Sgemm_matches_MathNet_on_odd_shape(Transpose ta, Transpose tb)
    {
        const int m = 37, n = 45, k = 129;
        var rng = new Random(5);
        var a = Matrix<double>.Build.Dense(m, k, (_, _) => rng.NextDouble() - 0.5);
        var b = Matrix<double>.Build.Dense(k, n, (_, _) => rng.NextDouble() - 0.5);
        var c0 = Matrix<double>.Build.Dense(m, n, (_, _) => rng.NextDouble() - 0.5);
        float[] aStore = RowMajor(ta == Transpose.Yes ? a.Transpose() : a);
        float[] bStore = RowMajor(tb == Transpose.Yes ? b.Transpose() : b);
        float[] c = RowMajor(c0);
        _blas.Sgemm(ta, tb, m, n, k, 0.5f, aStore, ta == Transpose.Yes ? m : k, bStore, tb == Transpose.Yes ? k : n, -1f, c, n);
        float[] expected = RowMajor(0.5 * a * b - c0);
        Approx.AssertClose<float>(c, expected, 1e-4, 1e-4, $"{_blas.Name} vs MathNet {ta}{tb}");
    }

    [Test]
    public void Dgemm_matches_naive_loop_in_double_precision()
    {
        int seed = 200;
        foreach (var (m, n, k) in new[] { (1, 1, 1), (17, 129, 33), (30, 40, 500) })
            foreach (var ta in Both)
                foreach (var tb in Both)
                {
                    var rng = new Random(seed++);
                    int lda = (ta == Transpose.No ? k : m) + 2, ldb = (tb == Transpose.No ? n : k) + 1, ldc = n + 3;
                    double[] a = Random(rng, (ta == Transpose.No ? m : k) * lda);
                    double[] b = Random(rng, (tb == Transpose.No ? k : n) * ldb);
                    double[] c = Random(rng, m * ldc);
                    double[] expected = (double[])c.Clone();
                    _blas.Dgemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, -0.3, c, ldc);
                    GemmReference.Gemm(ta == Transpose.Yes, tb == Transpose.Yes, m, n, k, 0.7, a, lda, b, ldb, -0.3, expected, ldc);
                    Approx.AssertClose<double>(c, expected, 1e-12, 1e-12, $"{_blas.Name} dgemm {ta}{tb} {m}×{n}×{k}");
                }
    }

    private void CheckSgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, float beta, int pad, int seed)
    {
        var rng = new Random(seed);
        int lda = (ta == Transpose.No ? k : m) + pad, ldb = (tb == Transpose.No ? n : k) + pad, ldc = n + pad;
        float[] a = RandomF(rng, (ta == Transpose.No ? m : k) * lda);
        float[] b = RandomF(rng, (tb == Transpose.No ? k : n) * ldb);
        float[] c = RandomF(rng, m * ldc);
        // The oracle runs in double on the same float inputs; padding between rows must stay untouched.
        double[] expected = Array.ConvertAll(c, x => (double)x);
        _blas.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        GemmReference.Gemm(ta == Transpose.Yes, tb == Transpose.Yes, m, n, k, alpha, Array.ConvertAll(a, x => (double)x), lda,
            Array.ConvertAll(b, x => (double)x), ldb, beta, expected, ldc);
        double atol = 1e-6 + 4e-7 * k * Math.Abs(alpha);
        Approx.AssertClose<double>(Array.ConvertAll(c, x => (double)x), expected, atol, 2e-6,
            $"{_blas.Name} ({_blas.Threads} threads) sgemm {ta}{tb} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}");
    }

    private static float[] RandomF(Random rng, int length)
    {
        var r = new float[length];
        for (int i = 0; i < length; i++) r[i] = (float)(rng.NextDouble() * 2 - 1);
        return r;
    }

    private static double[] Random(Random rng, int length)
    {
        var r = new double[length];
        for (int i = 0; i < length; i++) r[i] = rng.NextDouble() * 2 - 1;
        return r;
    }

    private static float[] RowMajor(Matrix<double> x)
    {
        var r = new float[x.RowCount * x.ColumnCount];
        for (int i = 0; i < x.RowCount; i++)
            for (int j = 0; j < x.ColumnCount; j++)
                r[i * x.ColumnCount + j] = (float)x[i, j];
        return r;
    }
}

[TestFixture, Category("Kernels")]
public class ManagedGemmTests : GemmProviderTests
{
    protected override IBlas CreateProvider() => new ManagedBlas(2);
}

[TestFixture]
public class OpenBlasGemmTests : GemmProviderTests
{
    protected override IBlas CreateProvider() => BlasProvider.TryNative("openblas", out string reason)
        ?? Ignore($"OpenBLAS not found, native provider not tested: {reason}");

    internal static IBlas Ignore(string message)
    {
        Assert.Ignore(message);
        return null!;
    }
}

[TestFixture]
public class MklGemmTests : GemmProviderTests
{
    protected override IBlas CreateProvider() => BlasProvider.TryNative("mkl", out string reason)
        ?? OpenBlasGemmTests.Ignore($"MKL not found, native provider not tested: {reason}");
}
