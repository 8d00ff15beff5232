// A fixed team of worker threads for one GEMM call at a time. Run(parts, body) splits a call into parts that
// the caller and the workers claim one by one from a shared counter, so a worker the OS has not scheduled
// yet (a loaded machine) delays nothing: the caller takes its parts and waits only for parts already claimed.
// Workers spin for a short while after each call before blocking, so back-to-back GEMMs skip the OS wake-up.
using System.Diagnostics;

namespace Apd.Engine.Blas;

internal sealed class GemmThreadTeam : IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 500; // 2 ms

    private sealed class Job(int parts, Action<int, int> body)
    {
        public readonly int Parts = parts;
        public readonly Action<int, int> Body = body;
        public int Next;
        public int Done;
        public Exception? Failure;

        // Claims and runs parts until none is left.
        public void Work(int thread)
        {
            int part;
            while ((part = Interlocked.Increment(ref Next) - 1) < Parts)
            {
                try
                {
                    Body(part, thread);
                }
                catch (Exception e)
                {
                    Failure ??= e;
                }
                Interlocked.Increment(ref Done);
            }
        }
    }

    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private volatile Job? _job;
    private volatile bool _disposed;

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

    /// <summary>Runs body(part, thread) for every part in [0, parts); thread in [0, Size) names the executing thread.</summary>
    public void Run(int parts, Action<int, int> body)
    {
        var job = new Job(parts, body);
        _job = job;
        foreach (var s in _start) s.Release();
        job.Work(0);
        var spin = new SpinWait();
        while (Volatile.Read(ref job.Done) != parts) spin.SpinOnce(sleep1Threshold: -1);
        _job = null;
        if (job.Failure is not null) throw new InvalidOperationException("GEMM worker failed.", job.Failure);
    }

    private void WorkerLoop(int id)
    {
        var start = _start[id - 1];
        while (true)
        {
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            // Short pauses between looks: with 64 a back-to-back call waited ~2 µs longer for its worker
            // (128³ on two threads: median 11.5–12.9 µs, against 10.2 with 8).
            while (start.CurrentCount == 0 && Stopwatch.GetTimestamp() < until) Thread.SpinWait(8);
            start.Wait();
            if (_disposed) return;
            // A late wake-up may find the job finished (or the next one running): claiming parts is safe either way.
            _job?.Work(id);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var s in _start) s.Release();
    }
}
