// Naive twin of RetroactiveClosedForm: every old task, every element, every step — O(T·|σ|).
// g_e = Σ_i M_ic·clamp(τ_ie − Δ_e M_ic, −κ, κ); dσ −= λ2 g; loss = λ2 Σ φ_κ(τ_ie − Δ_e M_ic).
// Proximal step: per element, bisection on (Δ − z)/η − λ2 g(Δ) (strictly increasing) to double precision.
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

    /// <summary>σ_e ← argmin_s (s − σ_e)²/(2η_e) + λ2 Σ_i φ_κ(τ_ie − (s − σ^(t−1)_e) M_ic); returns the term's value at the new σ.</summary>
    public static double ProximalStep(Span<double> sigma, ReadOnlySpan<double> sigmaStart, ReadOnlySpan<double> masks,
        ReadOnlySpan<double> taus, int tasks, double lambda2, double kappa, ReadOnlySpan<double> eta, in DecompositionGeometry g)
    {
        double loss = 0;
        for (int e = 0; e < g.Length; e++)
        {
            double z = sigma[e] - sigmaStart[e], massSum = 0;
            for (int i = 0; i < tasks; i++) massSum += masks[i * g.Channels + g.ChannelOf(e)];
            // |g| ≤ κ Σ M, so the root lies within z ± η λ2 κ Σ M.
            double reach = eta[e] * lambda2 * kappa * massSum + 1e-12;
            double lo = z - reach, hi = z + reach;
            for (int iteration = 0; iteration < 200 && lo < hi; iteration++)
            {
                double mid = lo + (hi - lo) / 2;
                if (mid <= lo || mid >= hi) break;
                double gSum = 0;
                for (int i = 0; i < tasks; i++)
                {
                    double m = masks[i * g.Channels + g.ChannelOf(e)];
                    gSum += m * Math.Clamp(taus[i * g.Length + e] - mid * m, -kappa, kappa);
                }
                if ((mid - z) / eta[e] - lambda2 * gSum > 0) hi = mid;
                else lo = mid;
            }
            double delta = lo + (hi - lo) / 2;
            sigma[e] = sigmaStart[e] + delta;
            for (int i = 0; i < tasks; i++)
            {
                double m = masks[i * g.Channels + g.ChannelOf(e)];
                double r = taus[i * g.Length + e] - delta * m;
                loss += lambda2 * (Math.Abs(r) <= kappa ? r * r / 2 : kappa * Math.Abs(r) - kappa * kappa / 2);
            }
        }
        return loss;
    }
}
