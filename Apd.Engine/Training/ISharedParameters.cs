// Models whose tasks share a trunk (fine-tuning, EWC, L2-transfer) expose it here, so penalty
// baselines can anchor the shared weights without knowing the model's layers.
using Apd.Engine.Tensors;

namespace Apd.Engine.Training;

public interface ISharedParameters
{
    /// <summary>Parameters every task uses (not the per-task heads).</summary>
    IReadOnlyList<Parameter> SharedParameters { get; }
}
