// Where dataset files live: --data-dir, else the APD_DATA environment variable, else a per-user
// cache folder ($XDG_CACHE_HOME/apd or ~/.cache/apd on Linux, ~/Library/Caches/Apd on macOS,
// %LOCALAPPDATA%\Apd\Cache on Windows).
namespace Apd.Data.Catalogue;

public static class DataFolders
{
    public const string EnvironmentVariable = "APD_DATA";

    public static string Default
    {
        get
        {
            if (OperatingSystem.IsWindows())
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "Apd", "Cache");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (OperatingSystem.IsMacOS()) return Path.Combine(home, "Library", "Caches", "Apd");
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "apd");
        }
    }

    /// <summary>The folder to use: <paramref name="dataDir"/> if given, else APD_DATA if set, else <see cref="Default"/>.</summary>
    public static string Resolve(string? dataDir)
    {
        if (!string.IsNullOrWhiteSpace(dataDir)) return Path.GetFullPath(dataDir);
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(env) ? Default : env);
    }
}
