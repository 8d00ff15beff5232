// Mini-batches over a LabeledSet: each epoch a seeded shuffle of the item order, each batch
// copied into caller-owned contiguous buffers x (batch, C, H, W) and y (batch). No allocation per
// batch or sample: the order array is made once and reshuffled in place.
using Apd.Engine.Tensors;

namespace Apd.Data;

public sealed class Batcher
{
    private readonly LabeledSet _data;
    private readonly int[] _order;
    private readonly int _seed;
    private readonly bool _shuffle;
    private int _position;

    /// <param name="shuffle">false keeps the stored order every epoch (evaluation).</param>
    public Batcher(LabeledSet data, int batchSize, int seed, bool shuffle = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        _data = data;
        BatchSize = batchSize;
        _seed = seed;
        _shuffle = shuffle;
        _order = new int[data.Count];
        Reset(0);
    }

    public int BatchSize { get; }
    public int Epoch { get; private set; }

    /// <summary>Batches per epoch; the last one may be short.</summary>
    public int BatchesPerEpoch => (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Floats needed in x for one full batch.</summary>
    public int BatchFloats => BatchSize * _data.SampleLength;

    /// <summary>Starts epoch <paramref name="epoch"/>: its order depends only on (seed, epoch).</summary>
    public void Reset(int epoch)
    {
        Epoch = epoch;
        _position = 0;
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (_shuffle) new SeededRandom(_seed, (ulong)(uint)epoch).Shuffle(_order);
    }

    /// <summary>
    /// Copies the next batch into x (count·SampleLength floats used) and y (count labels used).
    /// Returns false, with count = 0, when the epoch is exhausted.
    /// </summary>
    public bool Next(Span<float> x, Span<int> y, out int count)
    {
        int n = _data.SampleLength;
        count = Math.Min(BatchSize, _order.Length - _position);
        if (count <= 0)
        {
            count = 0;
            return false;
        }
        if (x.Length < count * n) throw new ArgumentException($"x holds {x.Length} floats, the batch needs {count * n}", nameof(x));
        if (y.Length < count) throw new ArgumentException($"y holds {y.Length} labels, the batch needs {count}", nameof(y));
        ReadOnlySpan<float> images = _data.Images;
        ReadOnlySpan<int> labels = _data.Labels;
        for (int i = 0; i < count; i++)
        {
            int src = _order[_position + i];
            images.Slice(src * n, n).CopyTo(x.Slice(i * n, n));
            y[i] = labels[src];
        }
        _position += count;
        return true;
    }
}
