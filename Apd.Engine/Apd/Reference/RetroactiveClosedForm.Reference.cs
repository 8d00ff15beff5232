// Naive twin of RetroactiveClosedForm: every old task, every element, every step — O(T·|σ|).
// g_e = Σ_i M_ic·clamp(τ_ie − Δ_e M_ic, −κ, κ); dσ −= λ2 g; loss = λ2 Σ φ_κ(τ_ie − Δ_e M_ic).
namespace Apd.Engine.Decomposition.Reference;

public static class RetroactiveClosedFormReference
{
    /// <param name="masks">(T, Channels)</param>
    /// <param name="taus">(T, |σ|) dense τ_i at the start of the task</param>
    public static double AccumulateGradient(ReadOnlySpan<double> sigma, ReadOnlySpan<double> sigmaStart, ReadOnlySpan<double> masks,
        ReadOnlySpan<double> taus, int tasks, double lambda2, double kappa, Span<double> dSigma, in DecompositionGeometry g)
    {
        double loss = 0;
        for (int i = 0; i < tasks; i++)
            for (int e = 0; e < g.Length; e++)
            {
                double m = masks[i * g.Channels + g.ChannelOf(e)];
                double r = taus[i * g.Length + e] - (sigma[e] - sigmaStart[e]) * m;
                dSigma[e] -= lambda2 * m * Math.Clamp(r, -kappa, kappa);
                loss += lambda2 * (Math.Abs(r) <= kappa ? r * r / 2 : kappa * Math.Abs(r) - kappa * kappa / 2);
            }
        return loss;
    }
}
