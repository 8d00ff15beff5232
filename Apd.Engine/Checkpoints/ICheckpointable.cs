// A continual model that can be saved: it exports its whole state (architecture, per-task state,
// parameter values); each model kind provides a matching Restore that rebuilds it from the state.
namespace Apd.Engine.Checkpoints;

public interface ICheckpointable
{
    ModelState ExportState();
}
