// Stops training at the first NaN or ±∞ in a gradient (after every term has been added) or in a
// parameter after the step, naming the task, the step and the tensor — never a silent NaN model.
// Stateless, hence trivially checkpointable.
using Apd.Engine.Checkpoints;
using Apd.Engine.Tensors;
using Apd.Engine.Training;

namespace Apd.Engine.Decomposition.Hooks;

public sealed class NonFiniteGradientGuard : ITrainingHook, ICheckpointableHook
{
    public double AfterBackward(TrainingContext ctx)
    {
        foreach (var p in ctx.Parameters) Check(ctx, p, p.Grad, "gradient");
        return 0;
    }

    public void AfterStep(TrainingContext ctx)
    {
        foreach (var p in ctx.Parameters) Check(ctx, p, p.Value, "value");
    }

    private static void Check(TrainingContext ctx, Parameter p, float[] values, string what)
    {
        if (AllFinite(values)) return;
        int i = FirstNonFinite(values);
            throw new NonFiniteValueException(ctx.TaskId, ctx.Step, p.Name,
                $"task {ctx.TaskId}, epoch {ctx.Epoch}, step {ctx.Step}: the {what} of {p.Name} is {values[i]} at element {i}");
    }

    public void ExportState(ModelState state)
    {
    }

    public void RestoreState(ModelState state)
    {
    }

    // x − x is 0 for every finite x and NaN for NaN and ±∞, so the sum stays 0 exactly when all are finite.
    private static bool AllFinite(float[] values)
    {
        var acc = System.Numerics.Vector<float>.Zero;
        int i = 0, w = System.Numerics.Vector<float>.Count;
        for (; i <= values.Length - w; i += w)
        {
            var v = new System.Numerics.Vector<float>(values, i);
            acc += v - v;
        }
        float tail = 0;
        for (; i < values.Length; i++) tail += values[i] - values[i];
        return System.Numerics.Vector.Sum(acc) + tail == 0;
    }

    private static int FirstNonFinite(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}

/// <summary>A NaN or infinity appeared in training; the message names the task, the step and the tensor.</summary>
public sealed class NonFiniteValueException(int task, int step, string tensor, string message) : InvalidOperationException(message)
{
    public int Task { get; } = task;
    public int Step { get; } = step;
    public string Tensor { get; } = tensor;
}
