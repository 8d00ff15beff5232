// IBlas over a native CBLAS (MKL or OpenBLAS) found at run time by file name through NativeLibrary,
// called through function pointers to cblas_sgemm / cblas_dgemm. A library is used only after it
// reproduces a small known product. Never a bare libblas.so.3: it may be the 30–60× slower reference BLAS.
using System.Runtime.InteropServices;

namespace Apd.Engine.Blas;

public sealed unsafe class NativeBlas : IBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    /// <summary>File names tried, in order, for each library kind.</summary>
    public static IReadOnlyList<string> CandidateNames(string kind) => kind switch
    {
        "mkl" => OperatingSystem.IsWindows() ? ["mkl_rt.2.dll", "mkl_rt.dll"]
            : OperatingSystem.IsMacOS() ? ["libmkl_rt.2.dylib", "libmkl_rt.dylib"]
            : ["libmkl_rt.so.2", "libmkl_rt.so", "libmkl_rt.so.1"],
        "openblas" => OperatingSystem.IsWindows() ? ["libopenblas.dll", "openblas.dll"]
            : OperatingSystem.IsMacOS() ? ["libopenblas.0.dylib", "libopenblas.dylib"]
            : ["libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", "libopenblaso.so.0", "libopenblas64_.so.0",
               "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0", "/usr/lib64/libopenblas.so.0"],
        _ => throw new ArgumentException($"Unknown native BLAS '{kind}' (expected mkl or openblas)."),
    };

    private readonly nint _handle;
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> _dgemm;
    private readonly delegate* unmanaged[Cdecl]<int, void> _setThreads;
    private readonly delegate* unmanaged[Cdecl]<int> _getThreads;
    private readonly string _path;
    private readonly string _version;
    private int _threads;

    private NativeBlas(string kind, string path, nint handle)
    {
        Name = kind;
        _path = path;
        _handle = handle;
        _sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(handle, "cblas_sgemm");
        _dgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)NativeLibrary.GetExport(handle, "cblas_dgemm");
        if (kind == "openblas")
        {
            _setThreads = (delegate* unmanaged[Cdecl]<int, void>)Export("openblas_set_num_threads");
            _getThreads = (delegate* unmanaged[Cdecl]<int>)Export("openblas_get_num_threads");
            string config = CallString("openblas_get_config");
            string core = CallString("openblas_get_corename");
            _version = $"{config.Trim()}; core {core.Trim()}";
        }
        else
        {
            _setThreads = (delegate* unmanaged[Cdecl]<int, void>)Export("MKL_Set_Num_Threads");
            _getThreads = (delegate* unmanaged[Cdecl]<int>)Export("MKL_Get_Max_Threads");
            _version = MklVersion();
        }
        _threads = _getThreads != null ? _getThreads() : Environment.ProcessorCount;
    }

    public string Name { get; }

    /// <summary>Library file that was loaded.</summary>
    public string LibraryPath => _path;

    /// <summary>Version and kernel core as the library reports them (OpenBLAS: openblas_get_config and _corename).</summary>
    public string Version => _version;

    public int Threads
    {
        get => _getThreads != null ? _getThreads() : _threads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            if (_setThreads != null) _setThreads(value);
            _threads = value;
        }
    }

    public string Describe() => $"{Name}: {_path} ({_version}), {Threads} thread(s)";

    /// <summary>
    /// Loads and verifies a library of the given kind ("mkl" or "openblas"); null with the reason when
    /// none of the candidate names loads, lacks cblas_sgemm, or computes a wrong product.
    /// </summary>
    public static NativeBlas? TryLoad(string kind, out string reason)
    {
        var tried = new List<string>();
        foreach (string name in CandidateNames(kind))
        {
            if (!NativeLibrary.TryLoad(name, typeof(NativeBlas).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.AssemblyDirectory, out nint handle))
            {
                tried.Add($"{name} (not found)");
                continue;
            }
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out _) || !NativeLibrary.TryGetExport(handle, "cblas_dgemm", out _))
            {
                tried.Add($"{name} (no cblas_sgemm/cblas_dgemm)");
                continue;
            }
            var blas = new NativeBlas(kind, ResolvedPath(name), handle);
            if (!blas.ReproducesKnownProduct())
            {
                tried.Add($"{name} (wrong result on the verification product)");
                continue;
            }
            reason = "";
            return blas;
        }
        reason = $"{kind}: tried {string.Join(", ", tried)}";
        return null;
    }

    public void Sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            GemmDirect.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            _sgemm(RowMajor, Op(transA), Op(transB), m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    public void Dgemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda,
        ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            GemmDirect.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        fixed (double* pa = a)
        fixed (double* pb = b)
        fixed (double* pc = c)
            _dgemm(RowMajor, Op(transA), Op(transB), m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    private static int Op(Transpose t) => t == Transpose.Yes ? Trans : NoTrans;

    // [1 2 3; 4 5 6]·[7 8; 9 10; 11 12] = [58 64; 139 154], through the transposed path as well.
    private bool ReproducesKnownProduct()
    {
        float[] a = [1, 2, 3, 4, 5, 6], b = [7, 8, 9, 10, 11, 12], bt = [7, 9, 11, 8, 10, 12];
        float[] c = new float[4], ct = [1, 1, 1, 1];
        double[] ad = [1, 2, 3, 4, 5, 6], bd = [7, 8, 9, 10, 11, 12], cd = new double[4];
        Sgemm(Transpose.No, Transpose.No, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2);
        Sgemm(Transpose.No, Transpose.Yes, 2, 2, 3, 2f, a, 3, bt, 3, -1f, ct, 2);
        Dgemm(Transpose.No, Transpose.No, 2, 2, 3, 1.0, ad, 3, bd, 2, 0.0, cd, 2);
        return c.SequenceEqual([58f, 64f, 139f, 154f]) && ct.SequenceEqual([115f, 127f, 277f, 307f])
            && cd.SequenceEqual([58.0, 64.0, 139.0, 154.0]);
    }

    private nint Export(string name) => NativeLibrary.TryGetExport(_handle, name, out nint f) ? f : 0;

    private string CallString(string name)
    {
        nint f = Export(name);
        if (f == 0) return "?";
        return Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<nint>)f)()) ?? "?";
    }

    private string MklVersion()
    {
        nint f = Export("mkl_get_version_string");
        if (f == 0) f = Export("MKL_Get_Version_String");
        if (f == 0) return "version unknown";
        byte* buffer = stackalloc byte[256];
        ((delegate* unmanaged[Cdecl]<byte*, int, void>)f)(buffer, 256);
        return Marshal.PtrToStringUTF8((nint)buffer)?.Trim() ?? "version unknown";
    }

    // The file the loader picked, for `apd info` (Linux: from /proc/self/maps; otherwise the name asked for).
    private static string ResolvedPath(string name)
    {
        if (Path.IsPathRooted(name) || !OperatingSystem.IsLinux()) return name;
        try
        {
            // The name may be a symlink (libopenblas.so.0 → libopenblasp-r0.3.29.so): match on its stem.
            string stem = Path.GetFileName(name).Split('.')[0];
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && Path.GetFileName(line.AsSpan(slash)).StartsWith(stem, StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException)
        {
        }
        return name;
    }
}
