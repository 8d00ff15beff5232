// `apd info`: what this process will compute with — CPU, SIMD width in use, the BLAS provider with its
// version/kernel core and threads, .NET version, core count — and the OPENBLAS_CORETYPE caveat.
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Apd.Engine.Blas;

namespace Apd.Cli.Commands;

public sealed class InfoCommand : ICommand
{
    public string Name => "info";
    public string Summary => "CPU, SIMD width in use, BLAS provider (version, core, threads), .NET version";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        new CliArgs(args).RejectUnknown();
        stdout.WriteLine($"cpu:          {SystemInfo.CpuModel()} ({RuntimeInformation.ProcessArchitecture})");
        stdout.WriteLine($"cores:        {Environment.ProcessorCount} logical");
        stdout.WriteLine($"simd in use:  {SimdWidth()}; ISA {string.Join(" ", Isa())}");
        stdout.WriteLine($".net:         {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription}");
        stdout.WriteLine($"APD_BLAS:     {Environment.GetEnvironmentVariable("APD_BLAS") ?? "(unset: managed)"}; APD_THREADS: {Environment.GetEnvironmentVariable("APD_THREADS") ?? "(unset: all cores)"}");
        IBlas blas = BlasProvider.Current;
        stdout.WriteLine($"blas:         {blas.Describe()}");
        foreach (string kind in new[] { "openblas", "mkl" })
        {
            if (blas.Name == kind) continue;
            var native = BlasProvider.TryNative(kind, out string reason);
            stdout.WriteLine(native is null ? $"  {kind,-10} not available ({reason})" : $"  {kind,-10} available: {native.Describe()}");
        }
        if (SystemInfo.OpenBlasCoreTypeNote() is { } note) stdout.WriteLine($"warning:      {note}");
        return 0;
    }

    private static string SimdWidth() =>
        Vector512.IsHardwareAccelerated ? "512-bit (Vector512)"
        : Vector256.IsHardwareAccelerated ? "256-bit (Vector256)"
        : Vector128.IsHardwareAccelerated ? "128-bit (Vector128)"
        : $"none (hardware intrinsics off; Vector<float> has {Vector<float>.Count} lanes in software)";

    private static IEnumerable<string> Isa()
    {
        if (Avx512F.IsSupported) yield return "avx512f";
        if (Avx512BW.IsSupported) yield return "avx512bw";
        if (Avx2.IsSupported) yield return "avx2";
        if (Fma.IsSupported) yield return "fma";
        if (Avx.IsSupported) yield return "avx";
        if (Sse41.IsSupported) yield return "sse4.1";
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) yield return "neon";
        if (!Vector128.IsHardwareAccelerated) yield return "(none)";
    }
}
