// Structural options of an APD network (the objective's coefficients live in ApdObjectiveOptions).
namespace Apd.Engine.Decomposition;

public sealed record ApdNetworkOptions
{
    /// <summary>Start of τ_t for a new task. Default PreviousTask, the warm start (see docs/apd.md).</summary>
    public TauInit TauInit { get; init; } = TauInit.PreviousTask;

    /// <summary>Initial mask logit v_t (M_t = sigmoid(v_t)); 0 gives M = ½.</summary>
    public float MaskLogitInit { get; init; }

    /// <summary>A new task's masks start from the most recent task's learned masks (transfer) instead of MaskLogitInit. Default true:
    /// with TauInit.PreviousTask a new task starts exactly at the previous task's θ.</summary>
    public bool MaskFromPreviousTask { get; init; } = true;
}
