using Apd.Engine.Kernels;
using Apd.Engine.Kernels.Reference;

namespace Apd.Engine.Tests.Kernels;

[TestFixture, Category("Kernels")]
public class KernelsMatchReferenceTests
{
    private static readonly Conv2dGeometry[] ConvCases =
    [
        new(2, 3, 9, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1),
        new(2, 2, 11, 10, 3, 5, 4, 2, 3, 2, 1, 0, 3),
        Conv2dGeometry.Same(3, 3, 13, 13, 4, 5, 5),
        Conv2dGeometry.Same(1, 2, 8, 9, 3, 3, 3, 2, 2),
        Conv2dGeometry.Valid(2, 1, 6, 6, 2, 1, 1),
    ];

    [TestCaseSource(nameof(ConvCases))]
    public void Conv2d_forward_and_backward_match_the_seven_loop_definition(Conv2dGeometry g)
    {
        var rng = new Random(3);
        double[] x = Close.Random(rng, g.Batch * g.InputImageSize), w = Close.Random(rng, g.WeightSize), b = Close.Random(rng, g.OutChannels);
        double[] dy = Close.Random(rng, g.Batch * g.OutputImageSize);
        double[] y = new double[dy.Length], yRef = new double[dy.Length];
        double[] columns = new double[Conv2d.WorkspaceLength(g, 2)];
        Conv2d.Forward<double>(x, w, b, y, g, columns);
        Conv2dReference.Forward<double>(x, w, b, yRef, g);
        Close.Assert(y, yRef, 1e-12, 1e-12, "y");

        double[] dx = new double[x.Length], dw = Close.Random(rng, w.Length), db = Close.Random(rng, b.Length);
        double[] dxRef = new double[x.Length], dwRef = (double[])dw.Clone(), dbRef = (double[])db.Clone();
        Conv2d.Backward<double>(x, w, dy, dx, dw, db, g, columns);
        Conv2dReference.Backward<double>(x, w, dy, dxRef, dwRef, dbRef, g);
        Close.Assert(dx, dxRef, 1e-12, 1e-12, "dx");
        Close.Assert(dw, dwRef, 1e-12, 1e-12, "dw (accumulated onto a random start)");
        Close.Assert(db, dbRef, 1e-12, 1e-12, "db (accumulated onto a random start)");
    }

    [TestCase(1, 1, 1), TestCase(3, 5, 4), TestCase(7, 33, 17), TestCase(4, 20, 19)]
    public void Dense_forward_and_backward_match_plain_loops(int n, int i, int o)
    {
        var g = new DenseGeometry(n, i, o);
        var rng = new Random(5);
        double[] x = Close.Random(rng, n * i), w = Close.Random(rng, i * o), b = Close.Random(rng, o), dy = Close.Random(rng, n * o);
        double[] y = new double[n * o], yRef = new double[n * o];
        Dense.Forward<double>(x, w, b, y, g);
        DenseReference.Forward<double>(x, w, b, yRef, g);
        Close.Assert(y, yRef, 1e-12, 1e-12, "y");
        double[] dx = new double[x.Length], dw = Close.Random(rng, w.Length), db = Close.Random(rng, o);
        double[] dxRef = new double[x.Length], dwRef = (double[])dw.Clone(), dbRef = (double[])db.Clone();
        Dense.Backward<double>(x, w, dy, dx, dw, db, g);
        DenseReference.Backward<double>(x, w, dy, dxRef, dwRef, dbRef, g);
        Close.Assert(dx, dxRef, 1e-12, 1e-12, "dx");
        Close.Assert(dw, dwRef, 1e-12, 1e-12, "dw");
        Close.Assert(db, dbRef, 1e-12, 1e-12, "db");
    }

    [TestCase(1), TestCase(2), TestCase(4), TestCase(5)]
    public void Dense_forward_with_many_zero_inputs_matches_plain_loops(int n)
    {
        var g = new DenseGeometry(n, 37, 45);
        var rng = new Random(6);
        double[] x = Close.Random(rng, n * g.In).Select(v => v < 0 ? 0 : v).ToArray(), w = Close.Random(rng, g.In * g.Out), b = Close.Random(rng, g.Out);
        double[] y = new double[n * g.Out], yRef = new double[n * g.Out];
        Dense.Forward<double>(x, w, b, y, g);
        DenseReference.Forward<double>(x, w, b, yRef, g);
        Close.Assert(y, yRef, 1e-12, 1e-12, "y");
    }

    [TestCase(9, 45), TestCase(4101, 50)]
    public void Dense_single_sample_column_blocks_match_plain_loops(int inputs, int outputs)
    {
        var g = new DenseGeometry(1, inputs, outputs);
        var rng = new Random(8);
        float[] x = Close.RandomFloat(rng, inputs).Select(v => v < 0 ? 0f : v).ToArray(), w = Close.RandomFloat(rng, inputs * outputs), b = Close.RandomFloat(rng, outputs);
        float[] y = new float[outputs], yRef = new float[outputs];
        Dense.ForwardColumns<float>(x, w, b, y, g, 0, 16);
        Dense.ForwardColumns<float>(x, w, b, y, g, 16, outputs - 16);
        DenseReference.Forward<float>(x, w, b, yRef, g);
        Close.Assert(y, yRef, 1e-4 * Math.Sqrt(inputs), 1e-4, "y from two column blocks");
    }

    [Test]
    public void Relu_matches_reference_at_every_length_up_to_256()
    {
        var rng = new Random(7);
        for (int n = 0; n <= 256; n++)
        {
            float[] x = Close.RandomFloat(rng, n), dy = Close.RandomFloat(rng, n);
            float[] y = new float[n], yRef = new float[n], dx = new float[n], dxRef = new float[n];
            Relu.Forward<float>(x, y);
            ReluReference.Forward<float>(x, yRef);
            Relu.Backward<float>(y, dy, dx);
            ReluReference.Backward<float>(yRef, dy, dxRef);
            Close.Assert(y, yRef, 0, 0, $"y, n={n}");
            Close.Assert(dx, dxRef, 0, 0, $"dx, n={n}");
        }
    }

    private static readonly Pool2dGeometry[] PoolCases =
    [
        Pool2dGeometry.Same(2, 3, 8, 8, 3, 3, 2, 2),
        Pool2dGeometry.Same(1, 2, 7, 9, 3, 3, 2, 2),
        Pool2dGeometry.Same(1, 2, 9, 37, 3, 3, 2, 2),
        Pool2dGeometry.Same(2, 3, 32, 32, 3, 3, 2, 2),
        Pool2dGeometry.Valid(2, 2, 6, 5, 2, 2, 2, 1),
        new(1, 2, 5, 5, 3, 3, 2, 2, 2, 1, 0, 2),
    ];

    [TestCaseSource(nameof(PoolCases))]
    public void MaxPool2d_matches_reference_with_padding_as_minus_infinity(Pool2dGeometry g)
    {
        var rng = new Random(9);
        MaxPool2dMatches(g, rng, ties: false);
        MaxPool2dMatches(g, rng, ties: true);
    }

    private static void MaxPool2dMatches(Pool2dGeometry g, Random rng, bool ties)
    {
        // All-negative inputs: a zero-padded pool would wrongly return 0 at the borders.
        // With ties, values are drawn from three levels so windows hold equal maxima (the first one wins).
        double[] x = Close.Random(rng, g.Batch * g.InputImageSize).Select(v => ties ? -1 - Math.Round(Math.Abs(v) * 2) : -Math.Abs(v) - 0.1).ToArray();
        double[] dy = Close.Random(rng, g.Batch * g.OutputImageSize);
        double[] y = new double[dy.Length], yRef = new double[dy.Length];
        int[] argMax = new int[y.Length];
        double[] yNoRecord = new double[y.Length];
        MaxPool2d.Forward<double>(x, y, argMax, g, new double[MaxPool2d.ForwardScratchLength(g)]);
        MaxPool2d.Forward<double>(x, yNoRecord, Span<int>.Empty, g, new double[MaxPool2d.ForwardScratchLength(g)]);
        MaxPool2dReference.Forward<double>(x, yRef, g);
        Close.Assert(y, yRef, 0, 0, "y");
        Close.Assert(yNoRecord, yRef, 0, 0, "y without arg-max");
        double[] dx = new double[x.Length], dxRef = new double[x.Length];
        MaxPool2d.Backward<double>(dy, argMax, dx, g);
        MaxPool2dReference.Backward<double>(x, dy, dxRef, g);
        Close.Assert(dx, dxRef, 0, 0, "dx");
    }

    [TestCase(2, 6, 4, 4, 2, 1.0, 0.000111, 0.75)]
    [TestCase(1, 20, 5, 7, 4, 1.0, 0.001 / 9, 0.75)]
    [TestCase(2, 3, 3, 5, 4, 2.0, 0.3, 0.6)]
    [TestCase(1, 9, 2, 3, 1, 0.5, 0.2, 0.5)]
    public void Lrn_matches_the_defining_sums(int n, int c, int h, int w, int r, double bias, double alpha, double beta)
    {
        var g = new LrnGeometry(n, c, h, w, r, bias, alpha, beta);
        var rng = new Random(13);
        double[] x = Close.Random(rng, n * g.ImageSize, 3.0), dy = Close.Random(rng, x.Length);
        double[] y = new double[x.Length], yRef = new double[x.Length], scale = new double[x.Length], yNoCache = new double[x.Length];
        Lrn.Forward<double>(x, y, scale, g);
        Lrn.Forward<double>(x, yNoCache, Span<double>.Empty, g);
        LrnReference.Forward<double>(x, yRef, g);
        Close.Assert(y, yRef, 1e-12, 1e-12, "y");
        Close.Assert(yNoCache, yRef, 1e-12, 1e-12, "y without a scale cache");
        double[] dx = new double[x.Length], dxRef = new double[x.Length];
        Lrn.Backward<double>(x, y, scale, dy, dx, g, new double[Lrn.BackwardScratchLength(g)]);
        LrnReference.Backward<double>(x, dy, dxRef, g);
        Close.Assert(dx, dxRef, 1e-12, 1e-10, "dx");
    }

    [TestCase(1, 1), TestCase(4, 3), TestCase(7, 10)]
    public void Softmax_cross_entropy_matches_the_unshifted_definition(int n, int k)
    {
        var rng = new Random(17);
        double[] z = Close.Random(rng, n * k, 4.0);
        int[] labels = Enumerable.Range(0, n).Select(i => rng.Next(k)).ToArray();
        double[] d = new double[z.Length], dRef = new double[z.Length];
        double loss = SoftmaxCrossEntropy.Forward<double>(z, labels, d, n, k);
        double lossRef = SoftmaxCrossEntropyReference.Forward<double>(z, labels, dRef, n, k);
        Assert.That(loss, Is.EqualTo(lossRef).Within(1e-12));
        Close.Assert(d, dRef, 1e-14, 1e-12, "dLogits");
    }
}
