// Seeded synthetic task sequences for trainer tests: each task is a set of Gaussian clusters in a
// 1×2×4 "image", with a different random cluster centre per (task, class).
using Apd.Engine.Tensors;
using Apd.Engine.Training;

namespace Apd.Engine.Tests.Training;

internal static class SyntheticTasks
{
    public static TaskData[] Make(int tasks, int classes, int trainPerTask, int testPerTask, int seed, float spread = 0.5f)
    {
        var rng = new Random(seed);
        var result = new TaskData[tasks];
        for (int t = 0; t < tasks; t++)
        {
            var centres = new float[classes, 8];
            for (int c = 0; c < classes; c++)
                for (int i = 0; i < 8; i++) centres[c, i] = (float)(rng.NextDouble() * 4 - 2);
            result[t] = new TaskData($"synthetic-{t}", Set(trainPerTask), Set(testPerTask));

            LabeledSet Set(int count)
            {
                var images = new float[count * 8];
                var labels = new int[count];
                for (int s = 0; s < count; s++)
                {
                    labels[s] = s % classes;
                    for (int i = 0; i < 8; i++) images[s * 8 + i] = centres[labels[s], i] + spread * Gaussian(rng);
                }
                return new LabeledSet(images, labels, classes: classes, channels: 1, height: 2, width: 4);
            }
        }
        return result;
    }

    private static float Gaussian(Random rng) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
}
