// Coefficients of the APD objective while learning task t (docs/apd.md gives each source):
//   CE_t + λ1‖τ_t‖₁ (proximal) + (λ_drift/2)‖σ − σ^(t−1)‖² + Σ_{i<t} [(λ2/2)‖θ_i* − σ⊙M_i − τ_i‖² + λ1_old‖τ_i‖₁]
//   + (wd/2)‖σ‖², and hierarchical consolidation every s tasks.
namespace Apd.Engine.Decomposition;

public enum RetroactiveForm
{
    /// <summary>Old τ_i at their closed-form optimum, the term applied to σ as its proximal step in Adam's metric after
    /// each update; O(|σ|) per step (RetroactiveClosedForm.ProximalStep). The default.</summary>
    ClosedForm,

    /// <summary>Old τ_i at their closed-form optimum, the term's σ-gradient added before the update;
    /// O(|σ| log T + Σ nnz τ_i) per step (RetroactiveClosedForm.AccumulateGradient).</summary>
    ClosedFormGradient,

    /// <summary>Old τ_i as dense parameters stepped by the optimizer (the authors' way); O(T·|σ|) per step.</summary>
    Joint,
}

public sealed record ApdObjectiveOptions
{
    /// <summary>λ1, the L1 weight on the current τ_t, applied as a soft-threshold of lr·λ1 after each step. Default 1e-4, measured
    /// with the warm start on rotated-fmnist-10 and split-fmnist (docs/apd.md, docs/accuracy.md); authors: 4e-4.</summary>
    public double L1 { get; init; } = 1e-4;

    /// <summary>λ1 of individual decomposed layers by weight name (e.g. "fc1.w" or its layer "fc1"), overriding <see cref="L1"/> there.</summary>
    public IReadOnlyDictionary<string, double>? L1ByLayer { get; init; }

    /// <summary>Take the proximal L1 step in Adam's diagonal metric (threshold lr·λ1/(√v̂+ε)); false: plain lr·λ1.</summary>
    public bool ProxInAdamMetric { get; init; } = true;

    /// <summary>λ2, the retroactive reconstruction weight (½‖·‖² convention). Authors: 100.</summary>
    public double Reconstruction { get; init; } = 100;

    /// <summary>λ1_old, the L1 weight on old τ_i; κ = λ1_old/λ2. Default 0.03 (κ = 3e-4), measured on split-fmnist (docs/apd.md);
    /// the paper's Eq. 3 value λ1 = 4e-4 keeps old tasks slightly better but lets every old τ_i become dense.</summary>
    public double RetroactiveL1 { get; init; } = 0.03;

    /// <summary>λ_drift of (λ_drift/2)‖σ − σ^(t−1)‖². Default 0: the retroactive term already anchors σ.</summary>
    public double Drift { get; init; }

    /// <summary>Optional weight decay (wd/2)‖σ‖² on the shared weights.</summary>
    public double WeightDecay { get; init; }

    public RetroactiveForm Retroactive { get; init; } = RetroactiveForm.ClosedForm;

    /// <summary>Also train the old masks v_i through the retroactive term (the authors' code; Eq. 3 freezes them). Requires the joint form.</summary>
    public bool TrainOldMasks { get; init; }

    /// <summary>Consolidate every s tasks (0 = never). Authors: 5.</summary>
    public int ConsolidateEvery { get; init; } = 5;

    /// <summary>K-means groups k. Authors: 2.</summary>
    public int ConsolidationGroups { get; init; } = 2;

    /// <summary>β: entries of a group whose τ values span at most β move into σ̃_g. Authors: 1e-2.</summary>
    public double ConsolidationTolerance { get; init; } = 1e-2;

    /// <summary>Which entries of a consolidation group may move into σ̃_g. Default: the paper's span rule (zeros count as values;
    /// with the warm start, entries a task inherited unchanged merge); AllNonZero: only entries non-zero in every member.</summary>
    public ConsolidationRule ConsolidationRule { get; init; } = ConsolidationRule.Span;

    public int Seed { get; init; }

    public double Kappa => RetroactiveL1 / Reconstruction;

    /// <summary>λ1 of the decomposed weight <paramref name="weightName"/>: its entry in <see cref="L1ByLayer"/> (by weight or layer name), else <see cref="L1"/>.</summary>
    public double L1Of(string weightName)
    {
        if (L1ByLayer is null) return L1;
        if (L1ByLayer.TryGetValue(weightName, out double own)) return own;
        int dot = weightName.LastIndexOf('.');
        return dot > 0 && L1ByLayer.TryGetValue(weightName[..dot], out double layer) ? layer : L1;
    }

    public void Validate()
    {
        if (!(L1 >= 0) || !(Reconstruction >= 0) || !(RetroactiveL1 >= 0) || !(Drift >= 0) || !(WeightDecay >= 0) || !(ConsolidationTolerance >= 0))
            throw new ArgumentException("APD coefficients must be finite and ≥ 0");
        if (L1ByLayer is not null && L1ByLayer.Any(kv => !(kv.Value >= 0) || double.IsInfinity(kv.Value)))
            throw new ArgumentException("per-layer λ1 must be finite and ≥ 0");
        if (ConsolidateEvery < 0 || ConsolidationGroups < 1) throw new ArgumentException("consolidation needs s ≥ 0 and k ≥ 1");
        if (TrainOldMasks && Retroactive != RetroactiveForm.Joint)
            throw new ArgumentException("training old masks needs the joint retroactive form (the closed form assumes frozen masks, Eq. 3)");
        if (Retroactive != RetroactiveForm.Joint && Reconstruction > 0 && !(RetroactiveL1 > 0))
            throw new ArgumentException("the closed retroactive form needs λ1_old > 0 (κ = λ1_old/λ2)");
    }

    /// <summary>The hooks of the APD objective, in the order the trainer must call them.</summary>
    public IReadOnlyList<Training.ITrainingHook> Hooks(ApdNetwork network)
    {
        Validate();
        var hooks = new List<Training.ITrainingHook>();
        if (Drift > 0) hooks.Add(new Hooks.DriftPenaltyHook(network, Drift));
        if (Reconstruction > 0) hooks.Add(new Hooks.RetroactiveHook(network, this));
        if (WeightDecay > 0) hooks.Add(new Hooks.WeightDecayHook(network, WeightDecay));
        if (L1ByLayer is not null)
        {
            var unknown = L1ByLayer.Keys.Where(k => !network.Weights.Any(w => w.Name == k || w.Name.StartsWith(k + ".", StringComparison.Ordinal))).ToArray();
            if (unknown.Length > 0)
                throw new ArgumentException($"per-layer λ1 names no decomposed weight: {string.Join(", ", unknown)} (weights: {string.Join(", ", network.Weights.Select(w => w.Name))})");
        }
        hooks.Add(new Hooks.ProxL1Hook(network, network.Weights.Select(w => L1Of(w.Name)).ToArray(), ProxInAdamMetric));
        if (ConsolidateEvery > 0) hooks.Add(new Hooks.ConsolidationHook(network, ConsolidateEvery, ConsolidationGroups, ConsolidationTolerance, Seed, ConsolidationRule));
        return hooks;
    }
}
