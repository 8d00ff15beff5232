// Splits a batch into contiguous chunks, one per worker, and runs them on the thread pool; inside a
// worker the kernels' GEMMs run single-threaded (BlasGemm.SerialOnThisThread).
using Apd.Engine.Kernels;

namespace Apd.Engine.Layers;

public static class BatchParallel
{
    private static int _maxWorkers = Environment.ProcessorCount;

    /// <summary>Upper bound on workers per layer call (default: the processor count; 1 = serial).</summary>
    public static int MaxWorkers
    {
        get => _maxWorkers;
        set => _maxWorkers = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "at least one worker");
    }

    /// <summary>Workers for a batch: 1 on a thread that is already serial (a worker itself, or a small
    /// inference, see BlasGemm.SerialOnThisThread), else up to MaxWorkers.</summary>
    public static int Workers(int batch) => BlasGemm.SerialOnThisThread ? 1 : Math.Max(1, Math.Min(batch, _maxWorkers));

    /// <summary>Runs body(worker, start, count) over [0, batch) in <paramref name="workers"/> chunks.</summary>
    public static void For(int batch, int workers, Action<int, int, int> body)
    {
        if (workers <= 1 || batch <= 1)
        {
            if (batch > 0) body(0, 0, batch);
            return;
        }
        int chunk = (batch + workers - 1) / workers;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            int start = w * chunk, count = Math.Min(chunk, batch - start);
            if (count <= 0) return;
            bool outer = BlasGemm.SerialOnThisThread;
            BlasGemm.SerialOnThisThread = true;
            try
            {
                body(w, start, count);
            }
            finally
            {
                BlasGemm.SerialOnThisThread = outer;
            }
        });
    }
}
