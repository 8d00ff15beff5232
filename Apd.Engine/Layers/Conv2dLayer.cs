// Conv2d layer: θ and bias from weight sources (plain or APD), im2col + GEMM kernels over groups of
// images, the batch split across BatchParallel workers. Each worker has its own workspace; in Backward
// worker 0 accumulates into the gradient target and the others into private buffers summed in afterwards.
using Apd.Engine.Kernels;
using Apd.Engine.Tensors;

namespace Apd.Engine.Layers;

public sealed unsafe class Conv2dLayer : ILayer
{
    /// <summary>Patch-matrix elements per GEMM (default 2^16, 256 KB): how many images share one GEMM.
    /// Measured on LeNet (bench step --conv-group-kb): patch matrices that stay in L2 beat larger GEMMs —
    /// one image per GEMM cost 41 ms of CPU for both convolutions' forward + backward, 8 MB groups 64 ms,
    /// and keeping whole-batch patch matrices from Forward for Backward (no second unfold) 64 ms.</summary>
    public static int GroupElements { get; set; } = 1 << 16;

    private readonly Conv2dGeometry _g; // Batch ignored; per-sample geometry
    private readonly Parameter[] _parameters;
    private float[][] _columns = [];
    private float[][] _workerGrads = [];
    private readonly float[] _thetaScratch, _thetaGradScratch, _biasScratch, _biasGradScratch;

    public Conv2dLayer(string name, Conv2dGeometry geometry, IWeightSource weight, IWeightSource bias)
    {
        Name = name;
        _g = (geometry with { Batch = 1 }).Validated();
        Weight = weight;
        Bias = bias;
        if (weight.Length != _g.WeightSize) throw new ArgumentException($"{name}: weight has {weight.Length} elements, geometry needs {_g.WeightSize}.");
        if (bias.Length != _g.OutChannels) throw new ArgumentException($"{name}: bias has {bias.Length} elements, geometry needs {_g.OutChannels}.");
        _parameters = [.. weight.Parameters, .. bias.Parameters];
        _thetaScratch = new float[weight.ComposesIntoScratch ? weight.Length : 0];
        _thetaGradScratch = new float[weight.Length];
        _biasScratch = new float[bias.ComposesIntoScratch ? bias.Length : 0];
        _biasGradScratch = new float[bias.Length];
        InputShape = [_g.InChannels, _g.InHeight, _g.InWidth];
        OutputShape = [_g.OutChannels, _g.OutHeight, _g.OutWidth];
    }

    public string Name { get; }
    public Conv2dGeometry Geometry => _g;
    public IWeightSource Weight { get; }
    public IWeightSource Bias { get; }
    public int[] InputShape { get; }
    public int[] OutputShape { get; }
    public int InputSize => _g.InputImageSize;
    public int OutputSize => _g.OutputImageSize;
    public IReadOnlyList<Parameter> Parameters => _parameters;
    public IReadOnlyList<Parameter> TrainableParameters(int task) => [.. Weight.TrainableParameters(task), .. Bias.TrainableParameters(task)];

    public void Forward(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
    {
        int workers = BatchParallel.Workers(pass.Batch), workspace = WorkspaceLength(pass.Batch, workers);
        EnsureWorkers(workers, workspace);
        ReadOnlySpan<float> w = Weight.Weight(pass.Task, _thetaScratch);
        ReadOnlySpan<float> b = Bias.Weight(pass.Task, _biasScratch);
        RunForward(pass.Batch, workers, x, w, b, y, _columns, workspace);
    }

    public void Infer(in LayerPass pass, ReadOnlySpan<float> x, Span<float> y)
    {
        int workers = BatchParallel.Workers(pass.Batch);
        var pool = System.Buffers.ArrayPool<float>.Shared;
        float[] theta = Weight.ComposesIntoScratch ? pool.Rent(Weight.Length) : [];
        float[] beta = Bias.ComposesIntoScratch ? pool.Rent(Bias.Length) : [];
        var columns = new float[workers][];
        int length = WorkspaceLength(pass.Batch, workers);
        for (int i = 0; i < workers; i++) columns[i] = pool.Rent(length);
        try
        {
            ReadOnlySpan<float> w = Weight.Weight(pass.Task, theta.AsSpan(0, Weight.ComposesIntoScratch ? Weight.Length : 0));
            ReadOnlySpan<float> b = Bias.Weight(pass.Task, beta.AsSpan(0, Bias.ComposesIntoScratch ? Bias.Length : 0));
            RunForward(pass.Batch, workers, x, w, b, y, columns, length);
        }
        finally
        {
            foreach (var c in columns) pool.Return(c);
            if (Weight.ComposesIntoScratch) pool.Return(theta);
            if (Bias.ComposesIntoScratch) pool.Return(beta);
        }
    }

    public void Backward(in LayerPass pass, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int batch = pass.Batch, workers = BatchParallel.Workers(batch);
        int workspace = WorkspaceLength(batch, workers);
        EnsureWorkers(workers, workspace);
        // θ as used in Forward: composed into _thetaScratch there, or the stored values.
        ReadOnlySpan<float> w = Weight.ComposesIntoScratch ? _thetaScratch : Weight.Weight(pass.Task, _thetaScratch);
        Span<float> dw = Weight.GradientTarget(pass.Task, _thetaGradScratch);
        Span<float> db = Bias.GradientTarget(pass.Task, _biasGradScratch);
        int inImage = _g.InputImageSize, outImage = _g.OutputImageSize, wLen = _g.WeightSize, oc = _g.OutChannels;
        bool wantDx = !dx.IsEmpty;
        if (x.Length != batch * inImage || dy.Length != batch * outImage || (wantDx && dx.Length != x.Length))
            throw new ArgumentException($"{Name}: backward buffers do not match batch {batch}.");
        var columns = _columns;
        var grads = _workerGrads;
        fixed (float* px = x, pw = w, pdy = dy, pdx = dx, pdw = dw, pdb = db)
        {
            nint ax = (nint)px, aw = (nint)pw, ady = (nint)pdy, adx = (nint)pdx, adw = (nint)pdw, adb = (nint)pdb;
            var g0 = _g;
            BatchParallel.For(batch, workers, (worker, start, count) =>
            {
                var g = g0 with { Batch = count };
                Span<float> dwTarget, dbTarget;
                if (worker == 0)
                {
                    dwTarget = new Span<float>((float*)adw, wLen);
                    dbTarget = new Span<float>((float*)adb, oc);
                }
                else
                {
                    grads[worker].AsSpan().Clear();
                    dwTarget = grads[worker].AsSpan(0, wLen);
                    dbTarget = grads[worker].AsSpan(wLen, oc);
                }
                Conv2d.Backward<float>(
                    new ReadOnlySpan<float>((float*)ax + (long)start * inImage, count * inImage),
                    new ReadOnlySpan<float>((float*)aw, wLen),
                    new ReadOnlySpan<float>((float*)ady + (long)start * outImage, count * outImage),
                    wantDx ? new Span<float>((float*)adx + (long)start * inImage, count * inImage) : Span<float>.Empty,
                    dwTarget, dbTarget, g, columns[worker].AsSpan(0, workspace));
            });
        }
        for (int i = 1; i < workers && i * ((batch + workers - 1) / workers) < batch; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(dw, _workerGrads[i].AsSpan(0, wLen), dw);
            System.Numerics.Tensors.TensorPrimitives.Add(db, _workerGrads[i].AsSpan(wLen, oc), db);
        }
        Weight.RouteGradient(pass.Task, dw);
        Bias.RouteGradient(pass.Task, db);
    }

    private void RunForward(int batch, int workers, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b,
        Span<float> y, float[][] columns, int workspace)
    {
        int inImage = _g.InputImageSize, outImage = _g.OutputImageSize, wLen = _g.WeightSize, oc = _g.OutChannels;
        if (x.Length != batch * inImage || y.Length != batch * outImage)
            throw new ArgumentException($"{Name}: expected x {batch * inImage} and y {batch * outImage} elements, got {x.Length} and {y.Length}.");
        fixed (float* px = x, pw = w, pb = b, py = y)
        {
            nint ax = (nint)px, aw = (nint)pw, ab = (nint)pb, ay = (nint)py;
            var g0 = _g;
            BatchParallel.For(batch, workers, (worker, start, count) =>
                Conv2d.Forward<float>(
                    new ReadOnlySpan<float>((float*)ax + (long)start * inImage, count * inImage),
                    new ReadOnlySpan<float>((float*)aw, wLen),
                    new ReadOnlySpan<float>((float*)ab, oc),
                    new Span<float>((float*)ay + (long)start * outImage, count * outImage),
                    g0 with { Batch = count }, columns[worker].AsSpan(0, workspace)));
        }
    }

    private static int Share(int batch, int workers) => (batch + workers - 1) / workers;

    // Workspace of one worker: groups of about GroupElements patch values, at most its share of the batch.
    private int WorkspaceLength(int batch, int workers)
        => Conv2d.WorkspaceLength(_g, Math.Min(Share(batch, workers), Conv2d.ImagesPerGroup(_g, GroupElements)));

    private void EnsureWorkers(int workers, int length)
    {
        if (_columns.Length >= workers && _columns[0].Length >= length) return;
        _columns = new float[workers][];
        _workerGrads = new float[workers][];
        for (int i = 0; i < workers; i++)
        {
            _columns[i] = new float[length];
            _workerGrads[i] = new float[_g.WeightSize + _g.OutChannels];
        }
    }
}
