// Hierarchical consolidation at the end of every s-th learned task (register after RetroactiveHook, so
// that the old τ_i are already at their end-of-task values; the trainer calls model.EndTask first).
// Its schedule and seed follow from the model's learned-task count and the groups live in the model: no state of its own.
using Apd.Engine.Checkpoints;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition.Hooks;

public sealed class ConsolidationHook(ApdNetwork network, int every, int groups, double tolerance, int seed,
    ConsolidationRule rule = ConsolidationRule.AllNonZero) : ITrainingHook, ICheckpointableHook
{
    public ConsolidationReport? LastReport { get; private set; }

    public void AfterTask(TrainingContext ctx)
    {
        if (!network.IsLearned(ctx.TaskId)) network.EndTask(ctx.TaskId);
        int learned = network.LearnedTasks.Count;
        if (every <= 0 || learned == 0 || learned % every != 0) return;
        LastReport = HierarchicalConsolidation.Consolidate(network, groups, tolerance, unchecked(seed + learned), rule);
    }

    /// <summary>Nothing to save: when to consolidate and its K-means seed follow from the learned-task count, and the groups and σ̃ are in the model.</summary>
    public void ExportState(ModelState state)
    {
    }

    public void RestoreState(ModelState state)
    {
    }
}
