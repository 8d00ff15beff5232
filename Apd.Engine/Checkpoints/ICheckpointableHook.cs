// A training hook that carries state from task to task (anchors, Fisher sums...) and can put it in a
// checkpoint next to the model's, so a resumed run continues exactly where it stopped.
namespace Apd.Engine.Checkpoints;

public interface ICheckpointableHook
{
    void ExportState(ModelState state);

    void RestoreState(ModelState state);
}
