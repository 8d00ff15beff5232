// Capacity: the weights a continual model keeps, as a multiple of one base network's weights.
//   capacity = (nnz(σ) + nnz(σ̃) + Σ_i nnz(τ_i)) / |W|, |W| = weights (no biases, no heads) of one network.
// Masks, biases and heads are counted separately, as the paper does.
namespace Apd.Engine.Evaluation;

public sealed record CapacityReport(
    long NetworkWeights,
    long SharedNonZeros,
    long TaskAdaptiveNonZeros,
    long MaskValues,
    long BiasAndHeadValues)
{
    public double Capacity => NetworkWeights == 0 ? 0 : (double)(SharedNonZeros + TaskAdaptiveNonZeros) / NetworkWeights;

    public static long CountNonZeros(ReadOnlySpan<float> values)
    {
        long n = 0;
        foreach (float v in values) if (v != 0f) n++;
        return n;
    }
}

/// <summary>A model that can say how much it stores (APD, STL, fine-tuning...).</summary>
public interface ICapacityReporting
{
    CapacityReport Capacity();
}
