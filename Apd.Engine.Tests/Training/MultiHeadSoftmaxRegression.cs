// A tiny continual model in plain loops for testing the trainer: a shared linear map W (hidden × inputs)
// then a per-task head (V_t, b_t):  z = V_t·(W·x) + b_t.  Backward accumulates into W, V_t, b_t.
using Apd.Engine.Evaluation;
using Apd.Engine.Tensors;
using Apd.Engine.Training;

namespace Apd.Engine.Tests.Training;

internal sealed class MultiHeadSoftmaxRegression : IContinualModel, ICapacityReporting
{
    private readonly int _inputs, _hidden;
    private readonly Random _init;
    private readonly List<(Parameter V, Parameter B, int Classes)> _heads = new();
    private readonly int[] _inputShape;
    private float[] _x = [], _h = [];

    public MultiHeadSoftmaxRegression(int channels, int height, int width, int hidden, int seed)
    {
        _inputShape = [channels, height, width];
        _inputs = channels * height * width;
        _hidden = hidden;
        _init = new Random(seed);
        W = new Parameter("W", hidden, _inputs);
        Fill(W.Value, 1.0 / Math.Sqrt(_inputs));
    }

    public Parameter W { get; }
    public int TaskCount => _heads.Count;
    public IReadOnlyList<int>? InputShape => _inputShape;
    public int ForwardCalls { get; private set; }

    public void BeginTask(int taskId, int classes)
    {
        if (taskId != _heads.Count) throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"next task must be {_heads.Count}");
        var v = new Parameter($"head{taskId}.V", classes, _hidden);
        Fill(v.Value, 1.0 / Math.Sqrt(_hidden));
        _heads.Add((v, new Parameter($"head{taskId}.b", classes), classes));
    }

    public void EndTask(int taskId) { }

    public IReadOnlyList<Parameter> TrainableParameters(int taskId) => [W, Head(taskId).V, Head(taskId).B];

    public void Forward(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits)
    {
        ForwardCalls++;
        _x = x.ToArray();
        _h = new float[batch * _hidden];
        Compute(taskId, x, batch, _h, logits);
    }

    public void Predict(int taskId, ReadOnlySpan<float> x, int batch, Span<float> logits) => Compute(taskId, x, batch, new float[batch * _hidden], logits);

    public void Backward(int taskId, ReadOnlySpan<float> dLogits, int batch)
    {
        var (v, b, classes) = Head(taskId);
        var dh = new float[_hidden];
        for (int n = 0; n < batch; n++)
        {
            Array.Clear(dh);
            for (int c = 0; c < classes; c++)
            {
                float dz = dLogits[n * classes + c];
                b.Grad[c] += dz;
                for (int k = 0; k < _hidden; k++)
                {
                    v.Grad[c * _hidden + k] += dz * _h[n * _hidden + k];
                    dh[k] += dz * v.Value[c * _hidden + k];
                }
            }
            for (int k = 0; k < _hidden; k++)
                for (int i = 0; i < _inputs; i++)
                    W.Grad[k * _inputs + i] += dh[k] * _x[n * _inputs + i];
        }
    }

    public CapacityReport Capacity() => new(W.Length, CapacityReport.CountNonZeros(W.Value), 0, 0, _heads.Sum(h => (long)h.V.Length + h.B.Length));

    private void Compute(int taskId, ReadOnlySpan<float> x, int batch, Span<float> h, Span<float> logits)
    {
        var (v, b, classes) = Head(taskId);
        if (x.Length != batch * _inputs) throw new ArgumentException($"expected {batch * _inputs} input values, got {x.Length}");
        for (int n = 0; n < batch; n++)
        {
            for (int k = 0; k < _hidden; k++)
            {
                float s = 0;
                for (int i = 0; i < _inputs; i++) s += W.Value[k * _inputs + i] * x[n * _inputs + i];
                h[n * _hidden + k] = s;
            }
            for (int c = 0; c < classes; c++)
            {
                float s = b.Value[c];
                for (int k = 0; k < _hidden; k++) s += v.Value[c * _hidden + k] * h[n * _hidden + k];
                logits[n * classes + c] = s;
            }
        }
    }

    private (Parameter V, Parameter B, int Classes) Head(int taskId) =>
        taskId >= 0 && taskId < _heads.Count ? _heads[taskId] : throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"unknown task {taskId}");

    private void Fill(float[] values, double scale)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)((_init.NextDouble() * 2 - 1) * scale);
    }
}
