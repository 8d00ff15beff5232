// Dense layer y = x·θ + b, θ [in, out] and b [out] from weight sources (plain or APD).
// The GEMM provider parallelises the batch-sized products itself; small batches (inference) stream θ
// once with the output columns split across BatchParallel workers.
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed class DenseLayer : ILayer
{
    private readonly Parameter[] _parameters;
    private readonly float[] _thetaScratch, _thetaGradScratch, _biasScratch, _biasGradScratch;

    public DenseLayer(string name, int inputs, int outputs, IWeightSource weight, IWeightSource bias)
    {
        Name = name;
        In = inputs;
        Out = outputs;
        new DenseGeometry(1, inputs, outputs).Validated();
        if (weight.Length != inputs * outputs) throw new ArgumentException($"{name}: weight has {weight.Length} elements, needs {inputs}×{outputs}.");
        if (bias.Length != outputs) throw new ArgumentException($"{name}: bias has {bias.Length} elements, needs {outputs}.");
        Weight = weight;
        Bias = bias;
        _parameters = [.. weight.Parameters, .. bias.Parameters];
        _thetaScratch = new float[weight.ComposesIntoScratch ? weight.Length : 0];
        _thetaGradScratch = new float[weight.Length];
        _biasScratch = new float[bias.ComposesIntoScratch ? bias.Length : 0];
        _biasGradScratch = new float[bias.Length];
        InputShape = [inputs];
        OutputShape = [outputs];
    }

    public string Name { get; }
    public int In { get; }
    public int Out { get; }
    public IWeightSource Weight { get; }
    public IWeightSource Bias { get; }
    public int[] InputShape { get; }
    public int[] OutputShape { get; }
    public int InputSize => In;
    public int OutputSize => Out;
    public IReadOnlyList<Parameter> Parameters => _parameters;
    public IReadOnlyList<Parameter> TrainableParameters(int task) => [.. Weight.TrainableParameters(task), .. Bias.TrainableParameters(task)];

    /// <summary>Below this many weights the streaming path stays on one thread (a wake-up costs more).</summary>
    public const int ParallelMinWeights = 1 << 18;

    public void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
        => Run(x, Weight.Weight(pass.Task, _thetaScratch), Bias.Weight(pass.Task, _biasScratch), y, new DenseGeometry(pass.Batch, In, Out));

    private static unsafe void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, DenseGeometry g)
    {
        int workers = BlasGemm.SerialOnThisThread ? 1 : Math.Min(BatchParallel.MaxWorkers, g.Out / 64);
        if (g.Batch > Dense.SmallBatch || w.Length < ParallelMinWeights || workers < 2)
        {
            Dense.Forward(x, w, b, y, g);
            return;
        }
        // Column blocks in multiples of 16 so each worker's rows stay vector-aligned.
        int block = (g.Out / workers + 15) & ~15;
        fixed (float* px = x, pw = w, pb = b, py = y)
        {
            nint ax = (nint)px, aw = (nint)pw, ab = (nint)pb, ay = (nint)py;
            int xLen = x.Length, wLen = w.Length, bLen = b.Length, yLen = y.Length;
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, k =>
            {
                int start = Math.Min(k * block, g.Out), count = Math.Min(block, g.Out - start);
                if (count > 0)
                    Dense.ForwardColumns(new ReadOnlySpan<float>((float*)ax, xLen), new ReadOnlySpan<float>((float*)aw, wLen),
                        new ReadOnlySpan<float>((float*)ab, bLen), new Span<float>((float*)ay, yLen), g, start, count);
            });
        }
    }

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
    {
        var pool = System.Buffers.ArrayPool<float>.Shared;
        float[] theta = Weight.ComposesIntoScratch ? pool.Rent(Weight.Length) : [];
        float[] beta = Bias.ComposesIntoScratch ? pool.Rent(Bias.Length) : [];
        try
        {
            Run(x, Weight.Weight(pass.Task, theta.AsSpan(0, Weight.ComposesIntoScratch ? Weight.Length : 0)),
                Bias.Weight(pass.Task, beta.AsSpan(0, Bias.ComposesIntoScratch ? Bias.Length : 0)), y, new DenseGeometry(pass.Batch, In, Out));
        }
        finally
        {
            if (Weight.ComposesIntoScratch) pool.Return(theta);
            if (Bias.ComposesIntoScratch) pool.Return(beta);
        }
    }

    public void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        ReadOnlySpan<float> w = Weight.ComposesIntoScratch ? _thetaScratch : Weight.Weight(pass.Task, _thetaScratch);
        Span<float> dw = Weight.GradientTarget(pass.Task, _thetaGradScratch);
        Span<float> db = Bias.GradientTarget(pass.Task, _biasGradScratch);
        Dense.Backward(x, w, dy, dx, dw, db, new DenseGeometry(pass.Batch, In, Out));
        Weight.RouteGradient(pass.Task, dw);
        Bias.RouteGradient(pass.Task, db);
    }
}
