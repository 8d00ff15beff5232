// The authors' learning-rate schedule: lr(e) = lr0 · factor^⌊e / every⌋ (TensorFlow's
// exponential_decay with staircase=True and decay_steps = one epoch of batches; factor 0.95).
// The epoch index e counts from 0 at the start of every task, so each task starts at lr0.
namespace Apd.Engine.Optim;

public sealed class StaircaseDecay
{
    public StaircaseDecay(float initial, float factor = 0.95f, int everyEpochs = 1)
    {
        if (!(initial > 0f) || float.IsInfinity(initial)) throw new ArgumentOutOfRangeException(nameof(initial), initial, "The initial learning rate must be finite and positive.");
        if (!(factor > 0f && factor <= 1f)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The decay factor must lie in (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(everyEpochs, 1);
        Initial = initial;
        Factor = factor;
        EveryEpochs = everyEpochs;
    }

    public float Initial { get; }
    public float Factor { get; }
    public int EveryEpochs { get; }

    public float At(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (float)(Initial * Math.Pow(Factor, epoch / EveryEpochs));
    }
}
