// Makes a catalogue dataset's files available in the data folder. Downloads stream into a
// temporary file beside the target while being hashed; only when the size and hash match the
// catalogue is the file renamed into place (an atomic rename on the same volume), so a partial or
// corrupt download never replaces a good file. Archives are extracted into a temporary folder
// and moved into place the same way. Offline, the error lists every missing file and where to put it.
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Apd.Data.Catalogue;

/// <summary>Dataset files are missing and were not (or could not be) downloaded; the message says what to put where.</summary>
public sealed class MissingDataException(string message, IReadOnlyList<string> missingPaths, Exception? inner = null)
    : FileNotFoundException(message, inner)
{
    public IReadOnlyList<string> MissingPaths { get; } = missingPaths;
}

/// <summary>A download failed verification (size or hash) or could not be completed.</summary>
public sealed class DownloadException(string message, Exception? inner = null) : IOException(message, inner);

public sealed class DataCache
{
    private readonly HttpClient _http;

    /// <param name="http">Client used for downloads; null creates one with a 10-minute timeout.</param>
    public DataCache(string dataDir, HttpClient? http = null)
    {
        DataDir = Path.GetFullPath(dataDir);
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
    }

    public string DataDir { get; }

    /// <summary>Receives one line per download step ("downloading …", "verified …").</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The missing files of <paramref name="dataset"/> (paths under <see cref="DataDir"/>).</summary>
    public IReadOnlyList<string> Missing(CatalogueDataset dataset) =>
        dataset.Files.Where(f => DataCatalogue.Locate(DataDir, f) is null).Select(f => Path.Combine(DataDir, f.RelativePath)).ToArray();

    /// <summary>
    /// Returns the path of every file of <paramref name="dataset"/>, in catalogue order, downloading the
    /// missing ones first when <paramref name="download"/> is true; otherwise throws <see cref="MissingDataException"/>.
    /// </summary>
    public IReadOnlyList<string> Require(CatalogueDataset dataset, bool download)
    {
        var missing = Missing(dataset);
        if (missing.Count > 0)
        {
            if (!download) throw MissingError(dataset, missing, null);
            try
            {
                foreach (var d in DownloadsFor(dataset, missing)) DownloadAsync(d).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is HttpRequestException or DownloadException or IOException or TaskCanceledException or InvalidDataException)
            {
                throw MissingError(dataset, Missing(dataset), e);
            }
            missing = Missing(dataset);
            if (missing.Count > 0) throw MissingError(dataset, missing, null);
        }
        return dataset.Files.Select(f => DataCatalogue.Locate(DataDir, f)!).ToArray();
    }

    /// <summary>
    /// Downloads <paramref name="item"/> to its place under the data folder unless a file there already has
    /// the right hash. Verifies size (Content-Length) and hash before the atomic rename; extracts archives.
    /// </summary>
    public async Task DownloadAsync(CatalogueDownload item, CancellationToken cancellation = default)
    {
        string target = Path.Combine(DataDir, item.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target) && HashFile(target, item.HashKind).Equals(item.Hash, StringComparison.OrdinalIgnoreCase))
        {
            Log?.Invoke($"already present and verified: {target}");
        }
        else
        {
            string temp = target + ".part-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                Log?.Invoke($"downloading {item.Url} -> {target}");
                using var response = await _http.GetAsync(item.Url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                    throw new DownloadException($"{item.Url}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
                long? expectedLength = response.Content.Headers.ContentLength;
                using var hash = IncrementalHash.CreateHash(item.HashKind == HashKind.Md5 ? HashAlgorithmName.MD5 : HashAlgorithmName.SHA256);
                long received = 0;
                await using (var body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false))
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    var buffer = new byte[1 << 16];
                    int n;
                    try
                    {
                        while ((n = await body.ReadAsync(buffer, cancellation).ConfigureAwait(false)) > 0)
                        {
                            hash.AppendData(buffer, 0, n);
                            await file.WriteAsync(buffer.AsMemory(0, n), cancellation).ConfigureAwait(false);
                            received += n;
                        }
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException)
                    {
                        throw new DownloadException($"{item.Url}: the transfer broke off after {received} bytes{(expectedLength is { } l ? $" of {l}" : "")}: {e.Message}", e);
                    }
                }
                if (expectedLength is { } length && received != length)
                    throw new DownloadException($"{item.Url}: truncated download, received {received} bytes, the server announced {length}");
                string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (!actual.Equals(item.Hash, StringComparison.OrdinalIgnoreCase))
                    throw new DownloadException($"{item.Url}: {HashName(item.HashKind)} {actual} does not match the published {item.Hash} (source: {item.HashSource}); the file was not kept");
                File.Move(temp, target, overwrite: true);
                Log?.Invoke($"verified {HashName(item.HashKind)} {actual}: {target}");
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        if (item.IsArchive) Extract(target);
    }

    /// <summary>Extracts a .tar.gz into the data folder: first into a temporary folder, then each top-level entry moved into place.</summary>
    private void Extract(string archive)
    {
        string staging = Path.Combine(DataDir, ".extract-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(staging);
            using (var file = File.OpenRead(archive))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: false);
            foreach (var entry in Directory.EnumerateFileSystemEntries(staging))
            {
                string destination = Path.Combine(DataDir, Path.GetFileName(entry));
                if (Directory.Exists(entry))
                {
                    if (Directory.Exists(destination)) Directory.Delete(destination, recursive: true);
                    Directory.Move(entry, destination);
                }
                else File.Move(entry, destination, overwrite: true);
            }
            Log?.Invoke($"extracted {archive}");
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    public static string HashName(HashKind kind) => kind == HashKind.Md5 ? "MD5" : "SHA-256";

    public static string HashFile(string path, HashKind kind)
    {
        using var stream = File.OpenRead(path);
        byte[] digest = kind == HashKind.Md5 ? MD5.HashData(stream) : SHA256.HashData(stream);
        return Convert.ToHexStringLower(digest);
    }

    private static IEnumerable<CatalogueDownload> DownloadsFor(CatalogueDataset dataset, IReadOnlyList<string> missing)
    {
        // An archive supplies every file of its dataset; a plain download supplies the file of the same path.
        foreach (var d in dataset.Downloads)
        {
            if (d.IsArchive || missing.Any(m => m.EndsWith(d.RelativePath.Replace('/', Path.DirectorySeparatorChar), StringComparison.Ordinal)))
                yield return d;
        }
    }

    private MissingDataException MissingError(CatalogueDataset dataset, IReadOnlyList<string> missing, Exception? cause)
    {
        var lines = new List<string> { $"{dataset.Name}: {missing.Count} file(s) missing in {DataDir}:" };
        foreach (var m in missing) lines.Add($"  {m}");
        lines.Add("Get them from:");
        foreach (var d in dataset.Downloads)
            lines.Add($"  {d.Url}  ({HashName(d.HashKind)} {d.Hash}) -> {Path.Combine(DataDir, d.RelativePath)}{(d.IsArchive ? " and extract it there" : "")}");
        if (cause is not null) lines.Add($"Download failed: {cause.Message}");
        else lines.Add($"or run `apd data fetch {dataset.Name}` (downloads and verifies them; BenchmarkOptions.Download in code), or point --data-dir / APD_DATA at a folder that has them.");
        return new MissingDataException(string.Join(Environment.NewLine, lines), missing, cause);
    }
}
