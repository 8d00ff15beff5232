// Layers against the double-precision kernels (themselves checked by central differences), with the batch
// split over workers, gradients accumulated onto non-zero starts, and θ supplied by a composing weight source.
using Apd.Engine.Kernels;
using Apd.Engine.Layers;
using Apd.Engine.Tensors;
using Apd.Engine.Tests.Kernels;

namespace Apd.Engine.Tests.Layers;

[TestFixture, Category("Kernels"), NonParallelizable]
public class LayerGradientTests
{
    private int _workers;

    [SetUp]
    public void RememberWorkers() => _workers = BatchParallel.MaxWorkers;

    [TearDown]
    public void RestoreWorkers() => BatchParallel.MaxWorkers = _workers;

    /// <summary>θ = 2·p composed into the layer's scratch; dp += 2·dθ — the shape of an APD source.</summary>
    private sealed class DoubledWeight(Parameter p) : IWeightSource
    {
        public int[] Shape => p.Shape;
        public int Length => p.Length;
        public IReadOnlyList<Parameter> Parameters => [p];
        public IReadOnlyList<Parameter> TrainableParameters(int task) => [p];
        public bool ComposesIntoScratch => true;

        public ReadOnlySpan<float> Weight(int task, Span<float> scratch)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(p.Value, 2f, scratch);
            return scratch;
        }

        public Span<float> GradientTarget(int task, Span<float> scratch)
        {
            scratch.Clear();
            return scratch;
        }

        public void RouteGradient(int task, ReadOnlySpan<float> dTheta)
            => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dTheta, 2f, p.Grad, p.Grad);
    }

    private static Parameter RandomParameter(Random rng, string name, params int[] shape)
    {
        var p = new Parameter(name, shape);
        Close.RandomFloat(rng, p.Length).CopyTo(p.Value, 0);
        Close.RandomFloat(rng, p.Length).CopyTo(p.Grad, 0);
        return p;
    }

    [TestCase(1, false), TestCase(2, false), TestCase(2, true), TestCase(3, true)]
    public void Conv2d_layer_matches_the_kernel_in_double(int workers, bool composed)
    {
        BatchParallel.MaxWorkers = workers;
        var rng = new Random(31);
        var g = new Conv2dGeometry(5, 3, 9, 8, 4, 3, 5, 2, 1, 1, 2, 2, 1);
        var w = RandomParameter(rng, "w", g.OutChannels, g.InChannels, g.KernelHeight, g.KernelWidth);
        var b = RandomParameter(rng, "b", g.OutChannels);
        float[] w0 = (float[])w.Grad.Clone(), b0 = (float[])b.Grad.Clone();
        IWeightSource ws = composed ? new DoubledWeight(w) : new ParameterWeight(w);
        var layer = new Conv2dLayer("conv", g, ws, new ParameterWeight(b));
        float[] x = Close.RandomFloat(rng, g.Batch * g.InputImageSize), dy = Close.RandomFloat(rng, g.Batch * g.OutputImageSize);
        float[] y = new float[dy.Length], yInfer = new float[dy.Length], dx = new float[x.Length];
        var pass = new LayerPass(0, g.Batch);
        layer.Forward(pass, x, y);
        layer.Infer(pass, x, yInfer);
        layer.Backward(pass, x, y, dy, dx);

        double scale = composed ? 2 : 1;
        double[] xd = Close.ToDouble(x), wd = Close.ToDouble(w.Value).Select(v => v * scale).ToArray(), bd = Close.ToDouble(b.Value);
        double[] yd = new double[y.Length], dxd = new double[x.Length], dwd = new double[wd.Length], dbd = new double[bd.Length];
        Conv2dReference(xd, wd, bd, yd, Close.ToDouble(dy), dxd, dwd, dbd, g);
        Close.Assert(Close.ToDouble(y), yd, 1e-5, 1e-4, "y");
        Close.Assert(Close.ToDouble(yInfer), yd, 1e-5, 1e-4, "y from Infer");
        Close.Assert(Close.ToDouble(dx), dxd, 1e-5, 1e-4, "dx");
        Close.Assert(Close.ToDouble(w.Grad), dwd.Select((v, i) => w0[i] + scale * v).ToArray(), 1e-4, 1e-4, "dw accumulated");
        Close.Assert(Close.ToDouble(b.Grad), dbd.Select((v, i) => b0[i] + v).ToArray(), 1e-4, 1e-4, "db accumulated");
    }

    private static void Conv2dReference(double[] x, double[] w, double[] b, double[] y, double[] dy, double[] dx, double[] dw, double[] db, Conv2dGeometry g)
    {
        Engine.Kernels.Reference.Conv2dReference.Forward<double>(x, w, b, y, g);
        Engine.Kernels.Reference.Conv2dReference.Backward<double>(x, w, dy, dx, dw, db, g);
    }

    [TestCase(false), TestCase(true)]
    public void Dense_layer_matches_the_kernel_in_double(bool composed)
    {
        var rng = new Random(32);
        const int n = 7, i = 19, o = 11;
        var w = RandomParameter(rng, "w", i, o);
        var b = RandomParameter(rng, "b", o);
        float[] w0 = (float[])w.Grad.Clone(), b0 = (float[])b.Grad.Clone();
        var layer = new DenseLayer("fc", i, o, composed ? new DoubledWeight(w) : new ParameterWeight(w), new ParameterWeight(b));
        float[] x = Close.RandomFloat(rng, n * i), dy = Close.RandomFloat(rng, n * o), y = new float[n * o], dx = new float[n * i];
        var pass = new LayerPass(0, n);
        layer.Forward(pass, x, y);
        layer.Backward(pass, x, y, dy, dx);
        double scale = composed ? 2 : 1;
        var g = new DenseGeometry(n, i, o);
        double[] wd = Close.ToDouble(w.Value).Select(v => v * scale).ToArray();
        double[] yd = new double[n * o], dxd = new double[n * i], dwd = new double[i * o], dbd = new double[o];
        Engine.Kernels.Reference.DenseReference.Forward<double>(Close.ToDouble(x), wd, Close.ToDouble(b.Value), yd, g);
        Engine.Kernels.Reference.DenseReference.Backward<double>(Close.ToDouble(x), wd, Close.ToDouble(dy), dxd, dwd, dbd, g);
        Close.Assert(Close.ToDouble(y), yd, 1e-5, 1e-4, "y");
        Close.Assert(Close.ToDouble(dx), dxd, 1e-5, 1e-4, "dx");
        Close.Assert(Close.ToDouble(w.Grad), dwd.Select((v, k) => w0[k] + scale * v).ToArray(), 1e-4, 1e-4, "dw accumulated");
        Close.Assert(Close.ToDouble(b.Grad), dbd.Select((v, k) => b0[k] + v).ToArray(), 1e-4, 1e-4, "db accumulated");
    }

    [TestCase(1, 2), TestCase(3, 2), TestCase(1, 1)]
    public void Wide_dense_layer_at_small_batch_matches_plain_loops(int n, int workers)
    {
        BatchParallel.MaxWorkers = workers;
        var rng = new Random(34);
        const int i = 613, o = 501; // above the parallel threshold, odd column count
        var w = RandomParameter(rng, "w", i, o);
        var b = RandomParameter(rng, "b", o);
        var layer = new DenseLayer("fc", i, o, new ParameterWeight(w), new ParameterWeight(b));
        float[] x = Close.RandomFloat(rng, n * i).Select(v => v < 0 ? 0f : v).ToArray(), y = new float[n * o], yInfer = new float[n * o];
        layer.Forward(new LayerPass(0, n), x, y);
        layer.Infer(new LayerPass(0, n), x, yInfer);
        double[] yd = new double[n * o];
        Engine.Kernels.Reference.DenseReference.Forward<double>(Close.ToDouble(x), Close.ToDouble(w.Value), Close.ToDouble(b.Value), yd, new DenseGeometry(n, i, o));
        Close.Assert(Close.ToDouble(y), yd, 1e-4, 1e-4, "y");
        Close.Assert(Close.ToDouble(yInfer), yd, 1e-4, 1e-4, "y from Infer");
    }

    [Test]
    public void Small_network_parameter_gradients_match_central_differences_of_the_loss()
    {
        BatchParallel.MaxWorkers = 2;
        var weights = new InitializedWeights(3);
        var conv = Conv2dGeometry.Same(1, 2, 7, 7, 3, 3, 3);
        var pool = Pool2dGeometry.Same(1, 3, 7, 7, 3, 3, 2, 2);
        ILayer[] trunk =
        [
            new Conv2dLayer("conv", conv, weights.Weight("conv.w", [3, 2, 3, 3], 18, 27), weights.Bias("conv.b", 3)),
            new ReluLayer("relu", [3, 7, 7]),
            new LrnLayer("lrn", new LrnGeometry(1, 3, 7, 7, 1, 1.0, 0.4, 0.75)),
            new MaxPool2dLayer("pool", pool),
            new FlattenLayer("flatten", [3, 4, 4]),
            new DenseLayer("fc", 48, 6, weights.Weight("fc.w", [48, 6], 48, 6), weights.Bias("fc.b", 6)),
            new ReluLayer("fc.relu", [6]),
        ];
        var net = new MultiHeadNetwork(trunk, (t, k) => new DenseLayer($"head{t}", 6, k, weights.Weight($"head{t}.w", [6, k], 6, k), weights.Bias($"head{t}.b", k)));
        net.BeginTask(0, 4);
        var rng = new Random(33);
        foreach (var p in net.Parameters) Close.RandomFloat(rng, p.Length, 0.5).CopyTo(p.Value, 0); // non-zero biases keep ReLUs off their kink
        const int batch = 3;
        float[] x = Close.RandomFloat(rng, batch * 98, 2.0), logits = new float[batch * 4], dLogits = new float[batch * 4];
        int[] labels = [1, 3, 0];
        double Loss()
        {
            net.Forward(0, x, batch, logits);
            return SoftmaxCrossEntropy.Forward<float>(logits, labels, Span<float>.Empty, batch, 4);
        }
        net.Forward(0, x, batch, logits);
        SoftmaxCrossEntropy.Forward<float>(logits, labels, dLogits, batch, 4);
        foreach (var p in net.Parameters) p.ZeroGrad();
        net.Backward(0, dLogits, batch);
        foreach (var p in net.TrainableParameters(0))
        {
            double[] numeric = new double[p.Length];
            const float h = 1e-3f;
            for (int k = 0; k < p.Length; k++)
            {
                float keep = p.Value[k];
                p.Value[k] = keep + h;
                double plus = Loss();
                p.Value[k] = keep - h;
                double minus = Loss();
                p.Value[k] = keep;
                numeric[k] = (plus - minus) / (2.0 * h);
            }
            Close.Assert(Close.ToDouble(p.Grad), numeric, 2e-3, 2e-2, $"d{p.Name}");
        }
    }
}
