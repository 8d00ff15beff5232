// Adam against torch.optim.Adam (PyTorch 1.13, float32). The literals below were printed by
// Fixtures/torch/adam_reference.py; the script documents the exact setup.
using Apd.Engine.Optim;
using Apd.Engine.Tensors;

namespace Apd.Engine.Tests.Optim;

public sealed class AdamTests
{
    private sealed record AdamCase(float WeightDecay, float[] A0, float[] B0, float[][] GradA, float[][] GradB, float[][] AfterA, float[][] AfterB);

    private static readonly AdamCase Case0 = new(
        WeightDecay: 0f,
        A0: [-0.146795094f, 0.786141276f, 0.94682163f, -1.114344f, 1.69079018f],
        B0: [-0.894827902f, -0.355625033f, 1.23238575f, 0.138172656f, -1.68219852f, 0.317678303f, 0.132806972f, 0.137324095f, 0.240546122f, 1.39545083f, 1.34702265f, 2.4382081f],
        GradA:
        [
            [0.00202758284f, 0.0245054122f, 0.0202560183f, 0.0177915506f, -0.00917930715f],
            [-0.0188271478f, 0.0282687154f, 0.0130534265f, 0.0330255739f, -0.00773207098f],
            [0.134240016f, 0.548548102f, 2.13485336f, -0.878170669f, -2.08262038f],
            [-8.66678333f, -1.37297273f, -6.71422529f, 9.97360706f, -1.59007442f]
        ],
        GradB:
        [
            [-45.7818909f, -72.4473267f, 127.987816f, -99.4066238f, 181.497269f, -60.2848282f, 161.481476f, 193.019821f, -42.2501488f, -8.31863785f, -98.3726044f, -124.935379f],
            [-9.22417355f, -18.9411583f, 10.0563946f, -6.94847012f, 9.06228161f, 1.07241464f, 6.12516594f, 3.29645419f, -8.7627964f, -16.7682457f, -7.2468729f, 9.6339407f],
            [1.83170402f, -0.553547859f, 1.03947973f, -1.26009333f, 0.415560156f, -1.30311251f, 0.434999347f, -1.14980733f, -0.814984918f, -0.911792517f, -0.0738642961f, 1.10559154f],
            [0.0680430308f, -0.0866856351f, 0.250320494f, -0.0564381182f, 0.115595974f, -0.0687736273f, 0.0351539068f, 0.150502324f, -0.0522016995f, 0.00231872383f, -0.332077295f, 0.196257815f]
        ],
        AfterA:
        [
            [-0.15679504f, 0.776141286f, 0.93682164f, -1.12434399f, 1.70079017f],
            [-0.150113523f, 0.766129553f, 0.92715776f, -1.13407266f, 1.71070933f],
            [-0.155718043f, 0.759229958f, 0.920685768f, -1.12801111f, 1.71714151f],
            [-0.149979234f, 0.762524962f, 0.924618304f, -1.13336432f, 1.72485614f]
        ],
        AfterB:
        [
            [-0.884827912f, -0.345625043f, 1.22238576f, 0.148172662f, -1.69219851f, 0.327678293f, 0.122806974f, 0.127324089f, 0.250546128f, 1.40545082f, 1.35702264f, 2.44820809f],
            [-0.876788974f, -0.337259412f, 1.21512258f, 0.155376062f, -1.69926202f, 0.334245384f, 0.115829013f, 0.120497353f, 0.258618861f, 1.41509426f, 1.36425209f, 2.45431638f],
            [-0.870830238f, -0.330745667f, 1.20945656f, 0.161024719f, -1.70473671f, 0.339458764f, 0.110417835f, 0.115258448f, 0.264978766f, 1.42285085f, 1.36984527f, 2.45898151f],
            [-0.865957677f, -0.325403273f, 1.20480394f, 0.165655047f, -1.70922494f, 0.343735874f, 0.105984062f, 0.110962518f, 0.270195454f, 1.42920387f, 1.37444639f, 2.46279383f]
        ]);

    private static readonly AdamCase Case1 = new(
        WeightDecay: 0.1f,
        A0: [-0.146795094f, 0.786141276f, 0.94682163f, -1.114344f, 1.69079018f],
        B0: [-0.894827902f, -0.355625033f, 1.23238575f, 0.138172656f, -1.68219852f, 0.317678303f, 0.132806972f, 0.137324095f, 0.240546122f, 1.39545083f, 1.34702265f, 2.4382081f],
        GradA:
        [
            [0.00202758284f, 0.0245054122f, 0.0202560183f, 0.0177915506f, -0.00917930715f],
            [-0.0188271478f, 0.0282687154f, 0.0130534265f, 0.0330255739f, -0.00773207098f],
            [0.134240016f, 0.548548102f, 2.13485336f, -0.878170669f, -2.08262038f],
            [-8.66678333f, -1.37297273f, -6.71422529f, 9.97360706f, -1.59007442f]
        ],
        GradB:
        [
            [-45.7818909f, -72.4473267f, 127.987816f, -99.4066238f, 181.497269f, -60.2848282f, 161.481476f, 193.019821f, -42.2501488f, -8.31863785f, -98.3726044f, -124.935379f],
            [-9.22417355f, -18.9411583f, 10.0563946f, -6.94847012f, 9.06228161f, 1.07241464f, 6.12516594f, 3.29645419f, -8.7627964f, -16.7682457f, -7.2468729f, 9.6339407f],
            [1.83170402f, -0.553547859f, 1.03947973f, -1.26009333f, 0.415560156f, -1.30311251f, 0.434999347f, -1.14980733f, -0.814984918f, -0.911792517f, -0.0738642961f, 1.10559154f],
            [0.0680430308f, -0.0866856351f, 0.250320494f, -0.0564381182f, 0.115595974f, -0.0687736273f, 0.0351539068f, 0.150502324f, -0.0522016995f, 0.00231872383f, -0.332077295f, 0.196257815f]
        ],
        AfterA:
        [
            [-0.136795104f, 0.776141286f, 0.93682164f, -1.10434401f, 1.68079019f],
            [-0.127430722f, 0.766135275f, 0.926847756f, -1.09443796f, 1.67078948f],
            [-0.131574571f, 0.758139968f, 0.919934213f, -1.08716333f, 1.67622662f],
            [-0.125813305f, 0.760442913f, 0.923632443f, -1.09234762f, 1.68326068f]
        ],
        AfterB:
        [
            [-0.884827912f, -0.345625043f, 1.22238576f, 0.148172662f, -1.69219851f, 0.327678293f, 0.122806974f, 0.127324089f, 0.250546128f, 1.40545082f, 1.35702264f, 2.44820809f],
            [-0.876780212f, -0.337257624f, 1.21511662f, 0.155375093f, -1.6992557f, 0.334241211f, 0.115828492f, 0.120496877f, 0.258616179f, 1.41508508f, 1.36424327f, 2.45429969f],
            [-0.870801687f, -0.330739677f, 1.20943999f, 0.161022022f, -1.70471966f, 0.339447945f, 0.110416457f, 0.115257196f, 0.264970303f, 1.42279148f, 1.36982071f, 2.45893931f],
            [-0.865902066f, -0.325391263f, 1.20477331f, 0.16565001f, -1.70919359f, 0.343716323f, 0.105981581f, 0.11096029f, 0.270178676f, 1.42905855f, 1.37440097f, 2.4627192f]
        ]);

    private static IEnumerable<TestCaseData> TorchCases()
    {
        yield return new TestCaseData(Case0).SetName("Adam_matches_torch_over_two_parameter_groups_for_four_steps");
        yield return new TestCaseData(Case1).SetName("Adam_with_weight_decay_matches_torch_over_two_parameter_groups_for_four_steps");
    }

    [TestCaseSource(nameof(TorchCases))]
    public void Matches_torch(object boxed)
    {
        var c = (AdamCase)boxed;
        var a = new Parameter("a", 5);
        var b = new Parameter("b", 3, 4);
        c.A0.CopyTo(a.Value, 0);
        c.B0.CopyTo(b.Value, 0);
        var adam = new Adam([a, b], weightDecay: c.WeightDecay);
        for (int step = 0; step < c.GradA.Length; step++)
        {
            c.GradA[step].CopyTo(a.Grad, 0);
            c.GradB[step].CopyTo(b.Grad, 0);
            adam.Step(0.01f);
            AssertClose(a.Value, c.AfterA[step], $"a after step {step + 1}");
            AssertClose(b.Value, c.AfterB[step], $"b after step {step + 1}");
        }
        Assert.That(adam.StepCount, Is.EqualTo(4));
    }

    private static void AssertClose(float[] actual, float[] expected, string what)
    {
        double worst = 0; int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) - (1e-7 + 1e-6 * Math.Abs(expected[i]));
            if (excess > worst) { worst = excess; at = i; }
        }
        Assert.That(at, Is.EqualTo(-1), () => $"{what}: element {at} is {actual[at]:R}, torch has {expected[at]:R}");
    }

    [Test]
    public void First_step_moves_every_element_by_the_learning_rate_against_the_gradient_sign()
    {
        // With bias correction, step 1 is lr·g/(|g| + ε·…) ≈ lr·sign(g) whatever the gradient's scale.
        var p = new Parameter("p", 4);
        float[] g = [3e-3f, -250f, 1f, -1e-2f];
        g.CopyTo(p.Grad, 0);
        new Adam([p]).Step(1e-3f);
        for (int i = 0; i < 4; i++)
            Assert.That(p.Value[i], Is.EqualTo(-1e-3f * MathF.Sign(g[i])).Within(1e-8f));
    }

    [Test]
    public void Rejects_a_parameter_listed_twice_and_a_negative_learning_rate()
    {
        var p = new Parameter("p", 2);
        Assert.Throws<ArgumentException>(() => new Adam([p, p]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p]).Step(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p]).Step(float.NaN));
    }
    [Category("Kernels")]
    [TestCase(0f, 300_017), TestCase(1e-2f, 300_017), TestCase(0f, 37)]
    public void Vector_and_chunked_update_is_bit_identical_to_the_scalar_formula(float weightDecay, int length)
    {
        var rng = new Random(5);
        var p = new Parameter("p", length);
        for (int i = 0; i < length; i++) p.Value[i] = (float)(rng.NextDouble() * 2 - 1);
        float[] expected = (float[])p.Value.Clone(), m = new float[length], v = new float[length];
        var adam = new Adam([p], weightDecay: weightDecay);
        for (int step = 1; step <= 3; step++)
        {
            for (int i = 0; i < length; i++) p.Grad[i] = (float)(rng.NextDouble() * 2 - 1) * (i % 7 == 0 ? 1e-4f : 1f);
            adam.Step(1e-3f);
            float stepSize = (float)(1e-3f / (1.0 - Math.Pow(0.9f, step)));
            float bias2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(0.999f, step));
            for (int i = 0; i < length; i++)
            {
                float g = weightDecay == 0f ? p.Grad[i] : p.Grad[i] + weightDecay * expected[i];
                m[i] = m[i] * 0.9f + (1f - 0.9f) * g;
                v[i] = v[i] * 0.999f + (1f - 0.999f) * g * g;
                expected[i] -= stepSize * (m[i] / (MathF.Sqrt(v[i]) / bias2Sqrt + 1e-8f));
            }
            for (int i = 0; i < length; i++)
                if (BitConverter.SingleToInt32Bits(p.Value[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                    Assert.Fail($"step {step}, element {i}: {p.Value[i]:R} vs scalar {expected[i]:R}");
        }
    }
}
