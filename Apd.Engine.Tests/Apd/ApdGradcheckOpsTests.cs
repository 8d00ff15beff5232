using Apd.Cli.Gradcheck;

namespace Apd.Engine.Tests.Decomposition;

[TestFixture]
public class ApdGradcheckOpsTests
{
    private static readonly string[] ApdOps = ["apd_compose", "apd_retroactive", "apd_drift", "prox_l1", "apd_dense", "apd_conv2d"];

    [Test]
    public void Every_apd_op_of_the_reference_sample_is_registered_and_passes()
    {
        string file = Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "gradcheck", "sample.json");
        var cases = GradcheckFile.Read(file).Where(c => ApdOps.Contains(c.Op)).ToArray();
        Assert.That(cases.Select(c => c.Op).Distinct(), Is.EquivalentTo(ApdOps));
        foreach (var c in cases)
        {
            var result = GradcheckRunner.Run(c);
            Assert.That(result.Passed, Is.True, result.Line());
        }
    }
}
