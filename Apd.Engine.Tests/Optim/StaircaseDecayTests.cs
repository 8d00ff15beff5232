using Apd.Engine.Optim;

namespace Apd.Engine.Tests.Optim;

public sealed class StaircaseDecayTests
{
    [Test]
    public void Learning_rate_is_multiplied_by_the_factor_once_per_period()
    {
        var perEpoch = new StaircaseDecay(1e-3f);
        Assert.That(perEpoch.At(0), Is.EqualTo(1e-3f));
        Assert.That(perEpoch.At(1), Is.EqualTo(0.95e-3f).Within(1e-10f));
        Assert.That(perEpoch.At(4), Is.EqualTo(1e-3 * 0.95 * 0.95 * 0.95 * 0.95).Within(1e-10));

        var everyTwo = new StaircaseDecay(0.1f, 0.5f, everyEpochs: 2);
        Assert.That(new[] { everyTwo.At(0), everyTwo.At(1), everyTwo.At(2), everyTwo.At(3), everyTwo.At(4) },
            Is.EqualTo(new[] { 0.1f, 0.1f, 0.05f, 0.05f, 0.025f }).Within(1e-9f));
    }

    [Test]
    public void Rejects_factors_outside_zero_to_one_and_negative_epochs()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StaircaseDecay(1e-3f, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StaircaseDecay(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StaircaseDecay(1e-3f).At(-1));
    }
}
