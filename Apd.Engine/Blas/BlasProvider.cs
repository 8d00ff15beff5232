// Selects the process-wide GEMM provider. (Placeholder selection until the managed SIMD GEMM
// and the native CBLAS providers land: every call goes to the reference loops.)
namespace Apd.Engine.Blas;

public static class BlasProvider
{
    private static IBlas _current = new ReferenceBlas();

    /// <summary>The provider every layer uses.</summary>
    public static IBlas Current
    {
        get => _current;
        set => _current = value ?? throw new ArgumentNullException(nameof(value));
    }
}
