// A fixed team of worker threads for one GEMM call at a time: Run(body) executes body(0) on the caller
// and body(i) on worker i, and returns when all are done. Workers spin for a short while after each call
// before blocking, so back-to-back GEMMs (a training step) do not pay an OS wake-up each time.
using System.Diagnostics;

namespace Apd.Engine.Blas;

internal sealed class GemmThreadTeam : IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 500; // 2 ms

    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private Action<int>? _body;
    private Exception? _failure;
    private volatile bool _disposed;
    private int _pending;

    public GemmThreadTeam(int threads)
    {
        Size = threads;
        _workers = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        for (int w = 0; w < _workers.Length; w++)
        {
            int id = w + 1;
            _start[w] = new SemaphoreSlim(0);
            _workers[w] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"apd-gemm-{id}" };
            _workers[w].Start();
        }
    }

    public int Size { get; }

    public void Run(Action<int> body)
    {
        _body = body;
        _failure = null;
        Volatile.Write(ref _pending, Size - 1);
        foreach (var s in _start) s.Release();
        try
        {
            body(0);
        }
        catch (Exception e)
        {
            _failure ??= e;
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        _body = null;
        if (_failure is not null) throw new InvalidOperationException("GEMM worker failed.", _failure);
    }

    private void WorkerLoop(int id)
    {
        var start = _start[id - 1];
        while (true)
        {
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            while (start.CurrentCount == 0 && Stopwatch.GetTimestamp() < until) Thread.SpinWait(64);
            start.Wait();
            if (_disposed) return;
            try
            {
                _body!(id);
            }
            catch (Exception e)
            {
                _failure ??= e;
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var s in _start) s.Release();
    }
}
