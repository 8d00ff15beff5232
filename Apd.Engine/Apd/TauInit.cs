// How a new task's adaptive weights τ_t start (see docs/apd.md for the choice of default).
namespace Apd.Engine.Decomposition;

public enum TauInit
{
    /// <summary>τ_t = 0: the task starts from the shared knowledge σ ⊙ M_t and is sparse from its first step.</summary>
    Zero,

    /// <summary>τ_t = σ (the authors' code): a dense start that the proximal L1 step must prune.</summary>
    CopyOfSigma,

    /// <summary>τ_t = τ_p + σ̃_g(p) of the most recently learned task p (0 for the first task): with the masks also
    /// taken from p (ApdNetworkOptions.MaskFromPreviousTask) task t starts from θ_p, a warm start for related tasks.</summary>
    PreviousTask,
}
