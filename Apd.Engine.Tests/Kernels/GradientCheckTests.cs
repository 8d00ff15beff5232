// Every kernel's backward against central differences in double, with a random upstream gradient,
// on the input and every parameter, at odd sizes that leave SIMD tails.
using Apd.Engine.Kernels;

namespace Apd.Engine.Tests.Kernels;

[TestFixture, Category("Kernels")]
public class GradientCheckTests
{
    private static readonly Conv2dGeometry[] ConvCases =
    [
        new(2, 3, 7, 9, 5, 3, 3, 1, 1, 1, 2, 0, 1),
        new(1, 2, 9, 7, 3, 5, 4, 2, 3, 2, 1, 1, 2),
        Conv2dGeometry.Same(2, 3, 11, 11, 4, 5, 5),
    ];

    [TestCaseSource(nameof(ConvCases))]
    public void Conv2d_gradients_match_central_differences(Conv2dGeometry g)
    {
        var rng = new Random(21);
        double[] x = Close.Random(rng, g.Batch * g.InputImageSize), w = Close.Random(rng, g.WeightSize), b = Close.Random(rng, g.OutChannels);
        double[] gy = Close.Random(rng, g.Batch * g.OutputImageSize);
        double[] y = new double[gy.Length], columns = new double[Conv2d.WorkspaceLength(g, 1)];
        double Loss()
        {
            Conv2d.Forward<double>(x, w, b, y, g, columns);
            return FiniteDifference.Dot(gy, y);
        }
        double[] dx = new double[x.Length], dw = new double[w.Length], db = new double[b.Length];
        Conv2d.Backward<double>(x, w, gy, dx, dw, db, g, columns);
        FiniteDifference.Check("dx", x, dx, Loss);
        FiniteDifference.Check("dw", w, dw, Loss);
        FiniteDifference.Check("db", b, db, Loss);
    }

    [TestCase(3, 17, 9), TestCase(1, 1, 1), TestCase(5, 7, 33)]
    public void Dense_gradients_match_central_differences(int n, int i, int o)
    {
        var g = new DenseGeometry(n, i, o);
        var rng = new Random(22);
        double[] x = Close.Random(rng, n * i), w = Close.Random(rng, i * o), b = Close.Random(rng, o), gy = Close.Random(rng, n * o);
        double[] y = new double[n * o];
        double Loss()
        {
            Dense.Forward<double>(x, w, b, y, g);
            return FiniteDifference.Dot(gy, y);
        }
        double[] dx = new double[x.Length], dw = new double[w.Length], db = new double[o];
        Dense.Backward<double>(x, w, gy, dx, dw, db, g);
        FiniteDifference.Check("dx", x, dx, Loss);
        FiniteDifference.Check("dw", w, dw, Loss);
        FiniteDifference.Check("db", b, db, Loss);
    }

    [TestCase(1), TestCase(7), TestCase(8), TestCase(37), TestCase(131)]
    public void Relu_gradient_matches_central_differences(int n)
    {
        var rng = new Random(23);
        // Keep |x| ≥ 0.05 so that no difference straddles the kink at 0.
        double[] x = Close.Random(rng, n).Select(v => v + Math.Sign(v) * 0.05).ToArray(), gy = Close.Random(rng, n);
        double[] y = new double[n];
        double Loss()
        {
            Relu.Forward<double>(x, y);
            return FiniteDifference.Dot(gy, y);
        }
        Loss();
        double[] dx = new double[n];
        Relu.Backward<double>(y, gy, dx);
        FiniteDifference.Check("dx", x, dx, Loss);
    }

    [TestCase(2, 3, 8, 8, 3, 2, true)]
    [TestCase(1, 2, 7, 9, 3, 2, true)]
    [TestCase(2, 2, 6, 7, 2, 2, false)]
    public void MaxPool2d_gradient_matches_central_differences(int n, int c, int h, int w, int k, int s, bool same)
    {
        var g = same ? Pool2dGeometry.Same(n, c, h, w, k, k, s, s) : Pool2dGeometry.Valid(n, c, h, w, k, k, s, s);
        var rng = new Random(24);
        // Distinct values spaced far apart compared with h, so no window's winner changes under perturbation.
        double[] x = Enumerable.Range(0, n * g.InputImageSize).Select(i => (double)i).OrderBy(_ => rng.Next()).Select(v => v * 0.01 - 1).ToArray();
        double[] gy = Close.Random(rng, n * g.OutputImageSize);
        double[] y = new double[gy.Length];
        double[] scratch = new double[MaxPool2d.ForwardScratchLength(g)];
        double Loss()
        {
            MaxPool2d.Forward<double>(x, y, Span<int>.Empty, g, scratch);
            return FiniteDifference.Dot(gy, y);
        }
        int[] argMax = new int[y.Length];
        MaxPool2d.Forward<double>(x, y, argMax, g, scratch);
        double[] dx = new double[x.Length];
        MaxPool2d.Backward<double>(gy, argMax, dx, g);
        FiniteDifference.Check("dx", x, dx, Loss);
    }

    [TestCase(2, 6, 5, 7, 2, 1.0, 0.5, 0.75)]
    [TestCase(1, 11, 3, 3, 4, 1.0, 0.001 / 9, 0.75)]
    [TestCase(2, 5, 3, 5, 4, 2.0, 0.3, 0.6)]
    [TestCase(1, 4, 1, 9, 1, 0.5, 0.2, 0.5)]
    public void Lrn_gradient_matches_central_differences(int n, int c, int h, int w, int r, double bias, double alpha, double beta)
    {
        var g = new LrnGeometry(n, c, h, w, r, bias, alpha, beta);
        var rng = new Random(25);
        double[] x = Close.Random(rng, n * g.ImageSize, 2.0), gy = Close.Random(rng, x.Length);
        double[] y = new double[x.Length], scale = new double[x.Length];
        double Loss()
        {
            Lrn.Forward<double>(x, y, Span<double>.Empty, g);
            return FiniteDifference.Dot(gy, y);
        }
        Lrn.Forward<double>(x, y, scale, g);
        double[] dx = new double[x.Length];
        Lrn.Backward<double>(x, y, scale, gy, dx, g, new double[Lrn.BackwardScratchLength(g)]);
        FiniteDifference.Check("dx", x, dx, Loss);
    }

    [TestCase(4, 3), TestCase(5, 10), TestCase(1, 17)]
    public void Softmax_cross_entropy_gradient_matches_central_differences(int n, int k)
    {
        var rng = new Random(26);
        double[] z = Close.Random(rng, n * k, 3.0);
        int[] labels = Enumerable.Range(0, n).Select(_ => rng.Next(k)).ToArray();
        double[] d = new double[z.Length];
        SoftmaxCrossEntropy.Forward<double>(z, labels, d, n, k);
        FiniteDifference.Check("dlogits", z, d, () => SoftmaxCrossEntropy.Forward<double>(z, labels, Span<double>.Empty, n, k));
    }
}
