// A continual model that can be saved: it exports its whole state (architecture, per-task state,
// parameter values); each model kind provides a matching static Restore(ModelState) that rebuilds it.
namespace Apd.Engine.Checkpoints;

public interface ICheckpointable
{
    ModelState ExportState();
}
