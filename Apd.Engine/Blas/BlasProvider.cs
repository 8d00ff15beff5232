// Selects the process-wide GEMM provider. Default: the managed GEMM (needs nothing native).
// APD_BLAS = managed | auto | openblas | mkl picks at first use; auto takes a verified native library
// (MKL, then OpenBLAS) when one is found and the managed GEMM otherwise; naming a library that is
// missing is an error that lists what was searched. APD_THREADS sets the thread count (native too).
// Use(...) and Threads do the same from code.
namespace Apd.Engine.Blas;

public static class BlasProvider
{
    public static readonly IReadOnlyList<string> Choices = ["managed", "auto", "openblas", "mkl"];

    private static readonly Lock Gate = new();
    private static IBlas? _current;
    private static ManagedBlas? _managed;

    /// <summary>The provider every layer uses; chosen from APD_BLAS / APD_THREADS on first use.</summary>
    public static IBlas Current
    {
        get
        {
            if (_current is { } c) return c;
            lock (Gate) return _current ??= FromEnvironment();
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (Gate) _current = value;
        }
    }

    /// <summary>Threads of the current provider (applies to native libraries through their own setter).</summary>
    public static int Threads
    {
        get => Current.Threads;
        set => Current.Threads = value;
    }

    /// <summary>The shared managed provider instance.</summary>
    public static ManagedBlas Managed
    {
        get
        {
            lock (Gate) return _managed ??= new ManagedBlas();
        }
    }

    /// <summary>Makes the named provider current (see <see cref="Create"/>) and returns it.</summary>
    public static IBlas Use(string choice, int threads = 0)
    {
        IBlas blas = Create(choice, threads);
        Current = blas;
        return blas;
    }

    /// <summary>
    /// Builds a provider: "managed", "auto", "openblas" or "mkl"; threads ≤ 0 leaves the provider's default.
    /// Throws InvalidOperationException naming every file searched when an explicitly named library is unavailable.
    /// </summary>
    public static IBlas Create(string choice, int threads = 0)
    {
        IBlas blas = choice.Trim().ToLowerInvariant() switch
        {
            "managed" or "" => Managed,
            "auto" => TryNative("mkl", out _) ?? TryNative("openblas", out _) ?? (IBlas)Managed,
            "openblas" or "mkl" => TryNative(choice.Trim().ToLowerInvariant(), out string reason)
                ?? throw new InvalidOperationException($"APD_BLAS={choice}: no working library found ({reason})."),
            _ => throw new ArgumentException($"Unknown BLAS provider '{choice}'; expected one of: {string.Join(", ", Choices)}."),
        };
        if (threads > 0) blas.Threads = threads;
        return blas;
    }

    /// <summary>A verified native library of that kind ("openblas" or "mkl"), loaded once per process; null when absent.</summary>
    public static NativeBlas? TryNative(string kind, out string reason)
    {
        lock (Gate)
        {
            if (!Natives.TryGetValue(kind, out var entry))
            {
                NativeBlas? blas = NativeBlas.TryLoad(kind, out string why);
                Natives[kind] = entry = (blas, why);
            }
            reason = entry.Reason;
            return entry.Blas;
        }
    }

    private static readonly Dictionary<string, (NativeBlas? Blas, string Reason)> Natives = new(StringComparer.Ordinal);

    private static IBlas FromEnvironment()
    {
        string choice = Environment.GetEnvironmentVariable("APD_BLAS") ?? "managed";
        string? threadText = Environment.GetEnvironmentVariable("APD_THREADS");
        int threads = 0;
        if (!string.IsNullOrWhiteSpace(threadText) && (!int.TryParse(threadText, out threads) || threads < 1))
            throw new InvalidOperationException($"APD_THREADS must be a positive whole number, got '{threadText}'.");
        return Create(choice, threads);
    }
}
