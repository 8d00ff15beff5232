using Apd.Data;
using Apd.Data.Tasks;
using Apd.Engine.Tensors;

namespace Apd.Engine.Tests.Data;

public sealed class TaskBuildersTests
{
    private static LabeledSet Random(int count, int channels, int side, int classes, int seed)
    {
        var rng = new System.Random(seed);
        var images = new float[count * channels * side * side];
        for (int i = 0; i < images.Length; i++) images[i] = (float)rng.NextDouble();
        var labels = Enumerable.Range(0, count).Select(i => i % classes).ToArray();
        return new LabeledSet(images, labels, classes: classes, channels: channels, height: side, width: side);
    }

    [Test]
    public void Select_classes_keeps_order_and_remaps_labels_to_positions()
    {
        var data = Random(30, 1, 4, 10, 1);
        var task = TaskBuilders.SelectClasses(data, [7, 2]);
        Assert.That(task.Classes, Is.EqualTo(2));
        var expected = Enumerable.Range(0, 30).Where(i => i % 10 is 7 or 2).ToArray();
        Assert.That(task.Count, Is.EqualTo(expected.Length));
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.That(task.Labels[k], Is.EqualTo(data.Labels[expected[k]] == 7 ? 0 : 1));
            Assert.That(task.Sample(k).ToArray(), Is.EqualTo(data.Sample(expected[k]).ToArray()));
        }
    }

    [Test]
    public void Rotation_by_zero_is_the_identity()
    {
        var data = Random(3, 2, 7, 2, 2);
        Assert.That(TaskBuilders.Rotate(data, 0).Images, Is.EqualTo(data.Images).Within(1e-6f));
    }

    [TestCase(5)]
    [TestCase(6)]
    public void Rotation_by_90_degrees_moves_pixels_exactly(int side)
    {
        var data = Random(2, 1, side, 2, 3);
        var rotated = TaskBuilders.Rotate(data, 90);
        // Counter-clockwise on screen (y down): output (x, y) = input (side−1−y, x).
        for (int n = 0; n < 2; n++)
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                    Assert.That(rotated.Sample(n)[y * side + x], Is.EqualTo(data.Sample(n)[x * side + (side - 1 - y)]).Within(1e-5f), $"n={n} x={x} y={y}");
    }

    [Test]
    public void Rotation_by_180_then_180_restores_the_image()
    {
        var data = Random(2, 1, 8, 2, 4);
        var twice = TaskBuilders.Rotate(TaskBuilders.Rotate(data, 180), 180);
        Assert.That(twice.Images, Is.EqualTo(data.Images).Within(1e-5f));
    }

    [Test]
    public void Rotation_by_45_degrees_interpolates_bilinearly()
    {
        // A linear ramp f(x, y) = x is reproduced exactly by bilinear sampling wherever all taps are inside.
        const int side = 9;
        var img = new float[side * side];
        for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) img[y * side + x] = x;
        var rotated = TaskBuilders.Rotate(new LabeledSet(img, [0], classes: 1, channels: 1, height: side, width: side), 45).Sample(0);
        double c = (side - 1) / 2.0, s = Math.Sqrt(0.5);
        for (int y = 2; y < 7; y++)
            for (int x = 2; x < 7; x++)
            {
                double sx = c + s * (x - c) - s * (y - c);
                Assert.That(rotated[y * side + x], Is.EqualTo((float)sx).Within(1e-4f), $"x={x} y={y}");
            }
        Assert.That(rotated[0], Is.EqualTo(0f), "corners map outside the source and become 0");
    }

    [Test]
    public void Permutation_moves_each_pixel_of_each_channel()
    {
        var data = Random(2, 3, 3, 2, 5);
        int[] perm = [8, 7, 6, 5, 4, 3, 2, 1, 0];
        var permuted = TaskBuilders.PermutePixels(data, perm);
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 9; p++)
                    Assert.That(permuted.Sample(n)[c * 9 + p], Is.EqualTo(data.Sample(n)[c * 9 + perm[p]]));
    }

    [Test]
    public void A_non_permutation_is_rejected()
    {
        var data = Random(1, 1, 2, 2, 5);
        Assert.Throws<ArgumentException>(() => TaskBuilders.PermutePixels(data, [0, 1, 1, 3]));
        Assert.Throws<ArgumentException>(() => TaskBuilders.PermutePixels(data, [0, 1, 2, 4]));
    }

    [Test]
    public void Stratified_split_holds_out_the_fraction_of_every_class_deterministically()
    {
        var data = Random(200, 1, 2, 4, 6);
        var (train, val) = TaskBuilders.StratifiedSplit(data, 0.1, seed: 9, stream: 0);
        Assert.That(train.Count + val.Count, Is.EqualTo(200));
        for (int c = 0; c < 4; c++) Assert.That(val.Labels.Count(l => l == c), Is.EqualTo(5));
        var (_, again) = TaskBuilders.StratifiedSplit(data, 0.1, seed: 9, stream: 0);
        Assert.That(again.Images, Is.EqualTo(val.Images));
        var (_, other) = TaskBuilders.StratifiedSplit(data, 0.1, seed: 10, stream: 0);
        Assert.That(other.Images, Is.Not.EqualTo(val.Images));
        var trainPixels = new HashSet<float>(train.Images);
        Assert.That(val.Images.Any(trainPixels.Contains), Is.False, "no image is in both sets");
    }

    [Test]
    public void Seeded_subset_takes_distinct_items_and_is_reproducible()
    {
        var data = Random(100, 1, 2, 5, 7);
        var a = TaskBuilders.SeededSubset(data, 10, 1, 0);
        Assert.That(a.Count, Is.EqualTo(10));
        Assert.That(TaskBuilders.SeededSubset(data, 10, 1, 0).Images, Is.EqualTo(a.Images));
        Assert.That(TaskBuilders.SeededSubset(data, 10, 2, 0).Images, Is.Not.EqualTo(a.Images));
        Assert.That(a.Images.Chunk(4).Select(ch => ch[0]).Distinct().Count(), Is.EqualTo(10));
    }

    [Test]
    public void Standardize_gives_zero_mean_unit_std_per_channel()
    {
        var data = Random(50, 3, 4, 2, 8);
        var (mean, std) = TaskBuilders.ChannelStatistics(data);
        TaskBuilders.Standardize(data, mean, std);
        var (m2, s2) = TaskBuilders.ChannelStatistics(data);
        Assert.That(m2, Has.All.EqualTo(0f).Within(1e-5f));
        Assert.That(s2, Has.All.EqualTo(1f).Within(1e-4f));
    }

    [Test]
    public void Every_builder_keeps_channels_height_and_width_of_a_non_square_set()
    {
        // 2×3×5: a swapped pair of sizes keeps the pixel count, so only the shape itself shows it.
        var rng = new System.Random(3);
        var images = new float[12 * 2 * 3 * 5];
        for (int i = 0; i < images.Length; i++) images[i] = (float)rng.NextDouble();
        var data = new LabeledSet(images, Enumerable.Range(0, 12).Select(i => i % 4).ToArray(), classes: 4, channels: 2, height: 3, width: 5);
        var groupOf = Enumerable.Range(0, 12).Select(i => i % 4 < 2 ? 0 : 1).ToArray();
        var built = new (string Name, LabeledSet Set, int Classes)[]
        {
            ("SelectClasses", TaskBuilders.SelectClasses(data, [3, 1, 0]), 3),
            ("SelectGroup", TaskBuilders.SelectGroup(data, groupOf, 1, [2, 3]), 2),
            ("SeededSubset", TaskBuilders.SeededSubset(data, 5, 1, 0), 4),
            ("StratifiedSplit.Train", TaskBuilders.StratifiedSplit(data, 0.5, 1, 0).Train, 4),
            ("StratifiedSplit.Validation", TaskBuilders.StratifiedSplit(data, 0.5, 1, 0).Validation, 4),
            ("PermutePixels", TaskBuilders.PermutePixels(data, Enumerable.Range(0, 15).Reverse().ToArray()), 4),
            ("Rotate", TaskBuilders.Rotate(data, 30), 4),
        };
        foreach (var (name, set, classes) in built)
            Assert.That((set.Classes, set.Channels, set.Height, set.Width), Is.EqualTo((classes, 2, 3, 5)), name);
    }
}
