using System.Numerics;
using Apd.Engine.Kernels;
using Apd.Engine.Kernels.Reference;

namespace Apd.Engine.Tests.Kernels;

[TestFixture, Category("Kernels")]
public class ElementWiseTests
{
    private const int MaxLength = 256;

    // Values around the decision points: zeros of both signs, the threshold exactly, tiny and large.
    private static T[] Data<T>(int n, int seed) where T : IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var r = new T[n];
        for (int i = 0; i < n; i++)
        {
            r[i] = (i % 11) switch
            {
                0 => T.Zero,
                1 => T.NegativeZero,
                2 => T.CreateChecked(0.25),
                3 => T.CreateChecked(-0.25),
                _ => T.CreateChecked((rng.NextDouble() - 0.5) * 4),
            };
        }
        return r;
    }

    private static void EveryLength<T>(Action<T[], T[], T[], T[]> run, Action<T[], T[], T[]> naive, double tol, string what)
        where T : IFloatingPointIeee754<T>
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            T[] x = Data<T>(n, n), dy = Data<T>(n, n + 1000);
            var actual = new T[n];
            var expected = new T[n];
            run(x, dy, actual, expected);
            naive(x, dy, expected);
            Approx.AssertClose<T>(actual, expected, tol, tol, $"{what}<{typeof(T).Name}> n={n}");
        }
    }

    [Test]
    public void Relu_forward_matches_naive_twin_at_every_length()
    {
        EveryLength<float>((x, _, y, _) => ElementWise.ReluForward<float>(x, y), (x, _, y) => ElementWiseReference.ReluForward<float>(x, y), 0, "relu");
        EveryLength<double>((x, _, y, _) => ElementWise.ReluForward<double>(x, y), (x, _, y) => ElementWiseReference.ReluForward<double>(x, y), 0, "relu");
    }

    [Test]
    public void Relu_backward_passes_gradient_only_where_input_is_positive()
    {
        EveryLength<float>((x, dy, dx, _) => ElementWise.ReluBackward<float>(x, dy, dx), (x, dy, dx) => ElementWiseReference.ReluBackward<float>(x, dy, dx), 0, "relu'");
        EveryLength<double>((x, dy, dx, _) => ElementWise.ReluBackward<double>(x, dy, dx), (x, dy, dx) => ElementWiseReference.ReluBackward<double>(x, dy, dx), 0, "relu'");
    }

    [Test]
    public void Soft_threshold_matches_naive_twin_at_every_length()
    {
        EveryLength<float>((x, _, y, _) => ElementWise.SoftThreshold<float>(x, 0.25f, y), (x, _, y) => ElementWiseReference.SoftThreshold<float>(x, 0.25f, y), 0, "soft-threshold");
        EveryLength<double>((x, _, y, _) => ElementWise.SoftThreshold<double>(x, 0.25, y), (x, _, y) => ElementWiseReference.SoftThreshold<double>(x, 0.25, y), 0, "soft-threshold");
    }

    [Test]
    public void Soft_threshold_in_place_shrinks_each_element_exactly_once()
    {
        EveryLength<float>((x, _, y, _) =>
        {
            x.CopyTo(y);
            ElementWise.SoftThreshold<float>(y.AsSpan(), 0.3f);
        }, (x, _, y) => ElementWiseReference.SoftThreshold<float>(x, 0.3f, y), 0, "soft-threshold in place");
        EveryLength<double>((x, _, y, _) =>
        {
            x.CopyTo(y);
            ElementWise.SoftThreshold<double>(y.AsSpan(), 0.3);
        }, (x, _, y) => ElementWiseReference.SoftThreshold<double>(x, 0.3, y), 0, "soft-threshold in place");
    }

    [Test]
    public void Clamp_matches_naive_twin_at_every_length()
    {
        EveryLength<float>((x, _, y, _) => ElementWise.Clamp<float>(x, -0.5f, 1f, y), (x, _, y) => ElementWiseReference.Clamp<float>(x, -0.5f, 1f, y), 0, "clamp");
        EveryLength<double>((x, _, y, _) => ElementWise.Clamp<double>(x, -0.5, 1, y), (x, _, y) => ElementWiseReference.Clamp<double>(x, -0.5, 1, y), 0, "clamp");
    }

    [Test]
    public void Sigmoid_and_its_backward_match_naive_twins_at_every_length()
    {
        EveryLength<float>((x, _, y, _) => ElementWise.Sigmoid<float>(x, y), (x, _, y) => ElementWiseReference.Sigmoid<float>(x, y), 1e-6, "sigmoid");
        EveryLength<double>((x, _, y, _) => ElementWise.Sigmoid<double>(x, y), (x, _, y) => ElementWiseReference.Sigmoid<double>(x, y), 1e-14, "sigmoid");
        EveryLength<float>((s, dy, dx, _) => ElementWise.SigmoidBackward<float>(s, dy, dx), (s, dy, dx) => ElementWiseReference.SigmoidBackward<float>(s, dy, dx), 1e-6, "sigmoid'");
        EveryLength<double>((s, dy, dx, _) => ElementWise.SigmoidBackward<double>(s, dy, dx), (s, dy, dx) => ElementWiseReference.SigmoidBackward<double>(s, dy, dx), 1e-14, "sigmoid'");
    }

    [Test]
    public void Shifted_overlap_between_input_and_destination_is_rejected()
    {
        var buffer = new float[40];
        Assert.Throws<ArgumentException>(() => ElementWise.SoftThreshold<float>(buffer.AsSpan(0, 32), 0.1f, buffer.AsSpan(1, 32)));
        Assert.Throws<ArgumentException>(() => ElementWise.ReluForward<float>(new float[3], new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ElementWise.SoftThreshold<float>(buffer, -1f));
    }
}
