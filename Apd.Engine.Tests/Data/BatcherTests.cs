using Apd.Data;
using Apd.Engine.Tensors;

namespace Apd.Engine.Tests.Data;

public sealed class BatcherTests
{
    // Image i has every pixel equal to i, so a batch's pixels identify its items.
    private static LabeledSet Numbered(int count)
    {
        var images = new float[count * 2 * 3 * 3];
        for (int i = 0; i < count; i++) images.AsSpan(i * 18, 18).Fill(i);
        var labels = Enumerable.Range(0, count).Select(i => i % 4).ToArray();
        return new LabeledSet(images, labels, classes: 4, channels: 2, height: 3, width: 3);
    }

    private static List<int> Epoch(Batcher batcher, LabeledSet data, int epoch)
    {
        batcher.Reset(epoch);
        var x = new float[batcher.BatchFloats];
        var y = new int[batcher.BatchSize];
        var seen = new List<int>();
        while (batcher.Next(x, y, out int count))
        {
            for (int i = 0; i < count; i++)
            {
                int item = (int)x[i * 18];
                Assert.That(x.AsSpan(i * 18, 18).ToArray(), Has.All.EqualTo((float)item), "an item's pixels are copied whole");
                Assert.That(y[i], Is.EqualTo(data.Labels[item]));
                seen.Add(item);
            }
        }
        return seen;
    }

    [Test]
    public void Each_epoch_visits_every_item_once_including_a_short_last_batch()
    {
        var data = Numbered(23);
        var batcher = new Batcher(data, 5, seed: 7);
        Assert.That(batcher.BatchesPerEpoch, Is.EqualTo(5));
        var seen = Epoch(batcher, data, 0);
        Assert.That(seen.Order(), Is.EqualTo(Enumerable.Range(0, 23)));
        Assert.That(seen, Is.Not.EqualTo(Enumerable.Range(0, 23)), "shuffled");
    }

    [Test]
    public void Order_depends_only_on_seed_and_epoch()
    {
        var data = Numbered(50);
        var a = new Batcher(data, 8, seed: 3);
        var b = new Batcher(data, 8, seed: 3);
        var e1 = Epoch(a, data, 1);
        Epoch(b, data, 0);
        Assert.That(Epoch(b, data, 1), Is.EqualTo(e1));
        Assert.That(Epoch(a, data, 2), Is.Not.EqualTo(e1));
        Assert.That(Epoch(new Batcher(data, 8, seed: 4), data, 1), Is.Not.EqualTo(e1));
    }

    [Test]
    public void Without_shuffle_the_stored_order_is_kept()
    {
        var data = Numbered(10);
        Assert.That(Epoch(new Batcher(data, 3, seed: 1, shuffle: false), data, 5), Is.EqualTo(Enumerable.Range(0, 10)));
    }

    [Test]
    public void Too_small_buffers_are_rejected()
    {
        var batcher = new Batcher(Numbered(10), 4, 1);
        Assert.Throws<ArgumentException>(() => batcher.Next(new float[10], new int[4], out _));
    }
}
