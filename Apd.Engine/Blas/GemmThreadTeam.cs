// A fixed team of worker threads for one GEMM call at a time: Run(body) executes body(thread, team)
// on the caller (thread 0) and on each worker, and returns when all are done. Barrier() is a
// sense-reversing spin barrier (spins briefly, then yields) for the packed-panel phases of a call.
namespace Apd.Engine.Blas;

internal sealed class GemmThreadTeam : IDisposable
{
    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private Action<int>? _body;
    private Exception? _failure;
    private volatile bool _disposed;
    private int _arrived;
    private volatile int _sense;

    public GemmThreadTeam(int threads)
    {
        Size = threads;
        _workers = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        _done = new CountdownEvent(1);
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
        _done.Reset(Size - 1);
        foreach (var s in _start) s.Release();
        try
        {
            body(0);
        }
        catch (Exception e)
        {
            _failure ??= e;
        }
        if (Size > 1) _done.Wait();
        _body = null;
        if (_failure is not null) throw new InvalidOperationException("GEMM worker failed.", _failure);
    }

    /// <summary>Returns when every thread of the team has called it (one phase of a call).</summary>
    public void Barrier()
    {
        if (Size == 1) return;
        int sense = _sense;
        if (Interlocked.Increment(ref _arrived) == Size)
        {
            _arrived = 0;
            _sense = 1 - sense;
            return;
        }
        var spin = new SpinWait();
        while (_sense == sense) spin.SpinOnce(sleep1Threshold: -1);
    }

    private void WorkerLoop(int id)
    {
        while (true)
        {
            _start[id - 1].Wait();
            if (_disposed) return;
            try
            {
                _body!(id);
            }
            catch (Exception e)
            {
                _failure ??= e;
            }
            _done.Signal();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var s in _start) s.Release();
    }
}
