namespace Apd.Engine.Tests;

/// <summary>
/// Locates the real data used by some tests (Fashion-MNIST IDX files, the UCI digits CSV): the
/// folder named by APD_TEST_DATA, else the first `shared/data` found walking up from the test
/// binaries. Tests that need it are ignored, with the reason, where neither exists.
/// </summary>
public static class TestData
{
    public static string? TryFindSharedData()
    {
        string? env = Environment.GetEnvironmentVariable("APD_TEST_DATA");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The shared data folder, or Assert.Ignore when it is not on this machine.</summary>
    public static string SharedDataOrIgnore()
        => TryFindSharedData() ?? throw new IgnoreException("real data not found: set APD_TEST_DATA or place shared/data above the repository");

    /// <summary>A file under the shared data folder, or Assert.Ignore when missing.</summary>
    public static string FileOrIgnore(params string[] relative)
    {
        string path = Path.Combine([SharedDataOrIgnore(), .. relative]);
        return File.Exists(path) ? path : throw new IgnoreException($"test data file not found: {path}");
    }
}
