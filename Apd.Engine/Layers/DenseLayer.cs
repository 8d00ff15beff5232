// Dense layer y = x·θ + b, θ [in, out] and b [out] from weight sources (plain or APD).
// The GEMM provider parallelises the batch-sized products itself.
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

    public void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
        => Dense.Forward(x, Weight.Weight(pass.Task, _thetaScratch), Bias.Weight(pass.Task, _biasScratch), y, new DenseGeometry(pass.Batch, In, Out));

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
    {
        var pool = System.Buffers.ArrayPool<float>.Shared;
        float[] theta = pool.Rent(Weight.Length), beta = pool.Rent(Bias.Length);
        try
        {
            Dense.Forward(x, Weight.Weight(pass.Task, theta.AsSpan(0, Weight.Length)), Bias.Weight(pass.Task, beta.AsSpan(0, Bias.Length)),
                y, new DenseGeometry(pass.Batch, In, Out));
        }
        finally
        {
            pool.Return(theta);
            pool.Return(beta);
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
