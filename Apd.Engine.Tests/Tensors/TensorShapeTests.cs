using Apd.Engine.Tensors;

namespace Apd.Engine.Tests.Tensors;

public class TensorShapeTests
{
    [Test]
    public void Shape_reports_length_and_row_major_strides()
    {
        var s = new TensorShape(2, 3, 4, 5);
        Assert.That(s.Length, Is.EqualTo(120));
        Assert.That(new[] { s.Stride(0), s.Stride(1), s.Stride(2), s.Stride(3) }, Is.EqualTo(new[] { 60, 20, 5, 1 }));
        Assert.That(s.ToString(), Is.EqualTo("[2,3,4,5]"));
        Assert.That(new TensorShape(ReadOnlySpan<int>.Empty).Length, Is.EqualTo(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TensorShape(2, -1));
    }

    [Test]
    public void Tensor_indexing_follows_row_major_layout()
    {
        var t = new Tensor<float>(2, 3, 4, 5);
        t[1, 2, 3, 4] = 7f;
        Assert.That(t.Data[1 * 60 + 2 * 20 + 3 * 5 + 4], Is.EqualTo(7f));
        var m = t.Reshape(6, 20);
        Assert.That(m[5, 19], Is.EqualTo(7f));
        Assert.That(m.Slice0(5)[19], Is.EqualTo(7f));
        Assert.Throws<IndexOutOfRangeException>(() => _ = m[6, 0]);
        Assert.Throws<ArgumentException>(() => t.Reshape(7, 20));
    }
}
