using Apd.Engine.Tensors;

namespace Apd.Engine.Tests.Tensors;

public sealed class LabeledSetTests
{
    // Image i (2 channels of 2×3) holds the values 100·i + 0..11, so copied pixels identify their source item.
    private static LabeledSet Numbered(int count, int classes = 3)
    {
        const int sample = 2 * 2 * 3;
        var images = new float[count * sample];
        for (int i = 0; i < images.Length; i++) images[i] = 100 * (i / sample) + i % sample;
        var labels = Enumerable.Range(0, count).Select(i => i % classes).ToArray();
        return new LabeledSet(images, labels, classes: classes, channels: 2, height: 2, width: 3);
    }

    [Test]
    public void Constructor_keeps_each_dimension_under_its_own_name()
    {
        var set = new LabeledSet(new float[2 * 3 * 5 * 7], [0, 10], classes: 11, channels: 3, height: 5, width: 7);
        Assert.That((set.Count, set.Classes, set.Channels, set.Height, set.Width, set.SampleLength), Is.EqualTo((2, 11, 3, 5, 7, 105)));
        Assert.That(set.ToString(), Is.EqualTo("2 images 3x5x7, 11 classes"));
    }

    [Test]
    public void Constructor_rejects_a_label_outside_the_classes_naming_item_and_label()
    {
        var high = Assert.Throws<ArgumentException>(() => _ = new LabeledSet(new float[4], [0, 1, 3, 2], classes: 3, channels: 1, height: 1, width: 1))!;
        Assert.That(high.Message, Does.Contain("label 3 of item 2 is outside 0..2"));
        Assert.That(high.ParamName, Is.EqualTo("labels"));
        var negative = Assert.Throws<ArgumentException>(() => _ = new LabeledSet(new float[2], [0, -1], classes: 3, channels: 1, height: 1, width: 1))!;
        Assert.That(negative.Message, Does.Contain("label -1 of item 1"));
        Assert.DoesNotThrow(() => _ = new LabeledSet(new float[3], [0, 1, 2], classes: 3, channels: 1, height: 1, width: 1));
    }

    [Test]
    public void Constructor_rejects_a_pixel_count_that_does_not_match_labels_times_sample_size()
    {
        var e = Assert.Throws<ArgumentException>(() => _ = new LabeledSet(new float[2 * 12 - 1], [0, 1], classes: 2, channels: 2, height: 2, width: 3))!;
        Assert.That(e.Message, Does.Contain("2 labels need 24 image values (2×2×3 each), got 23"));
        Assert.That(e.ParamName, Is.EqualTo("images"));
        Assert.Throws<ArgumentException>(() => _ = new LabeledSet(new float[25], [0, 1], classes: 2, channels: 2, height: 2, width: 3));
    }

    [Test]
    public void Constructor_rejects_null_arrays_and_non_positive_dimensions()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new LabeledSet(null!, [], classes: 1, channels: 1, height: 1, width: 1));
        Assert.Throws<ArgumentNullException>(() => _ = new LabeledSet([], null!, classes: 1, channels: 1, height: 1, width: 1));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new LabeledSet([], [], classes: 0, channels: 1, height: 1, width: 1))!.ParamName, Is.EqualTo("classes"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new LabeledSet([], [], classes: 1, channels: 0, height: 1, width: 1))!.ParamName, Is.EqualTo("channels"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new LabeledSet([], [], classes: 1, channels: 1, height: -2, width: 1))!.ParamName, Is.EqualTo("height"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new LabeledSet([], [], classes: 1, channels: 1, height: 1, width: 0))!.ParamName, Is.EqualTo("width"));
    }

    [Test]
    public void Sample_is_the_items_pixels_and_rejects_an_index_outside_the_set()
    {
        var set = Numbered(4);
        Assert.That(set.Sample(2).ToArray(), Is.EqualTo(Enumerable.Range(0, 12).Select(v => 200f + v).ToArray()));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Sample(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Sample(-1));
    }

    [Test]
    public void Select_copies_the_listed_items_in_the_listed_order_with_repeats()
    {
        var set = Numbered(5);
        var picked = set.Select([4, 0, 4, 2]);
        Assert.That((picked.Count, picked.Classes, picked.Channels, picked.Height, picked.Width), Is.EqualTo((4, 3, 2, 2, 3)));
        Assert.That(picked.Labels, Is.EqualTo(new[] { 1, 0, 1, 2 }));
        int[] source = [4, 0, 4, 2];
        for (int k = 0; k < source.Length; k++)
            Assert.That(picked.Sample(k).ToArray(), Is.EqualTo(set.Sample(source[k]).ToArray()), $"item {k}");
        picked.Images[0] = -1;
        picked.Labels[0] = 0;
        Assert.That((set.Images[4 * 12], set.Labels[4]), Is.EqualTo((400f, 1)), "Select copies, it does not alias");
        Assert.That(set.Select([]).Count, Is.Zero);
    }

    [Test]
    public void Select_rejects_an_index_outside_the_set_naming_it()
    {
        var set = Numbered(5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => set.Select([1, 5]))!;
        Assert.That(e.Message, Does.Contain("index 5 at position 1 is outside 0..4"));
        Assert.That(e.ParamName, Is.EqualTo("indices"));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Select([-1]));
    }

    [Test]
    public void Take_copies_a_prefix_and_rejects_a_count_beyond_the_set()
    {
        var set = Numbered(5);
        var first = set.Take(3);
        Assert.That(first.Labels, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(first.Images, Is.EqualTo(set.Images.AsSpan(0, 36).ToArray()));
        Assert.That(first.Images, Is.Not.SameAs(set.Images));
        Assert.That(set.Take(5).Count, Is.EqualTo(5));
        Assert.That(set.Take(0).Count, Is.Zero);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => set.Take(6))!;
        Assert.That(e.Message, Does.Contain("cannot take 6 of 5 items"));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Take(-1));
    }
}
