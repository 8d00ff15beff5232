using System.Runtime.Intrinsics;

namespace Apd.Engine.Tests.Kernels;

/// <summary>
/// CI re-runs the kernel tests with AVX-512 and then all hardware intrinsics switched off; these
/// tests fail if the switch did not take effect, so a reduced-ISA run cannot silently test the
/// same code path as the full run.
/// </summary>
[TestFixture, Category("Kernels")]
public class InstructionSetRunTests
{
    [Test]
    public void Avx512_switch_disables_Vector512_when_set()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") != "0")
            Assert.Ignore("DOTNET_EnableAVX512 is not 0 in this run");
        Assert.That(Vector512.IsHardwareAccelerated, Is.False);
    }

    [Test]
    public void Hardware_intrinsic_switch_disables_every_vector_width_when_set()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") != "0")
            Assert.Ignore("DOTNET_EnableHWIntrinsic is not 0 in this run");
        Assert.That(Vector128.IsHardwareAccelerated || Vector256.IsHardwareAccelerated || Vector512.IsHardwareAccelerated, Is.False);
    }
}
