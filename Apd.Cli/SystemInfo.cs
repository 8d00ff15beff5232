// Machine facts for `apd info` and benchmark headers: CPU model, load, the OPENBLAS_CORETYPE caveat.
namespace Apd.Cli;

public static class SystemInfo
{
    public static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                        return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The 1-minute load average (Linux), or "n/a".</summary>
    public static string LoadAverage()
    {
        try
        {
            if (File.Exists("/proc/loadavg")) return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
        }
        return "n/a";
    }

    /// <summary>A warning when OPENBLAS_CORETYPE forces an OpenBLAS kernel (Haswell on an AVX-512 CPU halves its speed).</summary>
    public static string? OpenBlasCoreTypeNote()
    {
        string? core = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE");
        if (string.IsNullOrEmpty(core)) return null;
        bool avx512 = System.Runtime.Intrinsics.X86.Avx512F.IsSupported;
        return $"OPENBLAS_CORETYPE={core} forces OpenBLAS's {core} kernels" +
            (avx512 && !core.Contains("skylake", StringComparison.OrdinalIgnoreCase) && !core.Contains("cooperlake", StringComparison.OrdinalIgnoreCase) && !core.Contains("sapphire", StringComparison.OrdinalIgnoreCase)
                ? " instead of its AVX-512 ones (about half speed on this CPU); for a fair comparison run with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`"
                : "");
    }
}
