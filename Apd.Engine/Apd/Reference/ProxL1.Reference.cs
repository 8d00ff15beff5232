// Naive twin of ProxL1: τ ← sign(τ)·max(|τ| − t, 0), one branchy element at a time.
namespace Apd.Engine.Decomposition.Reference;

public static class ProxL1Reference
{
    public static void SoftThreshold(ReadOnlySpan<float> tau, float threshold, Span<float> y)
    {
        for (int i = 0; i < tau.Length; i++)
        {
            float a = tau[i];
            y[i] = a > threshold ? a - threshold : a < -threshold ? a + threshold : 0f;
        }
    }
}
