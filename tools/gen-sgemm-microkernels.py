# Writes Apd.Engine/Blas/SgemmMicroKernels.cs: the SGEMM micro-kernels from two templates (A packed, A read in place).
# Run: python3 tools/gen-sgemm-microkernels.py
def store_tile(L, vec, mr, nv, width, fma):
    # C tile ← accumulators + beta·C (beta = 0 never reads C), shared by both templates; closes the method.
    L.append("        float* cr = c;")
    L.append("        if (beta == 0f)")
    L.append("        {")
    for r in range(mr):
        for v in range(nv):
            L.append(f"            {vec}.Store(c{r}_{v}, cr + {v*width});")
        if r < mr-1: L.append("            cr += ldc;")
    L.append("        }")
    L.append("        else if (beta == 1f)")
    L.append("        {")
    for r in range(mr):
        for v in range(nv):
            L.append(f"            {vec}.Store(c{r}_{v} + {vec}.Load(cr + {v*width}), cr + {v*width});")
        if r < mr-1: L.append("            cr += ldc;")
    L.append("        }")
    L.append("        else")
    L.append("        {")
    L.append(f"            var bv = {vec}.Create(beta);")
    for r in range(mr):
        for v in range(nv):
            L.append(f"            {vec}.Store({fma('bv', f'{vec}.Load(cr + {v*width})', f'c{r}_{v}')}, cr + {v*width});")
        if r < mr-1: L.append("            cr += ldc;")
    L.append("        }")
    L.append("    }")


def kernel(name, vec, mr, nv, width, fma, astride=None):
    astride = astride or mr
    L=[]
    strided = astride == "lda"
    L.append(f"    // {mr}×{nv*width} tile with {vec}: {mr*nv} accumulators; per k one load of each B vector, {mr} broadcasts of A"
             + (" (A read in place where it is stored transposed: its row k holds the tile's rows side by side, lda apart)." if strided
                else f" (the first {mr} rows of a {astride}-row A panel)." if astride != mr else "."))
    L.append(f"    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
    L.append(f"    public static void {name}(int kc, float* a, " + ("nint lda, " if strided else "") + "float* b, nint ldb, float* c, nint ldc, float beta)")
    L.append("    {")
    if vec != "Vector128":
        L.append("        // Start pulling the C tile into L1 now; it is needed only after the k loop.")
        L.append("        if (Sse.IsSupported)")
        L.append("        {")
        for r in range(mr):
            for line in range(0, nv * width, 16):
                L.append(f"            Sse.Prefetch0(c + {r} * ldc + {line});")
        L.append("        }")
    for r in range(mr):
        L.append("        " + " ".join(f"var c{r}_{v} = {vec}<float>.Zero;" for v in range(nv)))
    L.append("        for (int p = 0; p < kc; p++)")
    L.append("        {")
    for v in range(nv):
        L.append(f"            var b{v} = {vec}.Load(b + {v*width});")
    for r in range(mr):
        L.append(f"            var a{r} = {vec}.Create(a[{r}]);")
        for v in range(nv):
            L.append(f"            c{r}_{v} = {fma(f'a{r}', f'b{v}', f'c{r}_{v}')};")
    L.append(f"            a += {astride};")
    L.append("            b += ldb;")
    L.append("        }")
    store_tile(L, vec, mr, nv, width, fma)
    return "\n".join(L)


def kernel_rows(name, mr, nv, width):
    # A read in place (row-major, stride lda), alpha applied to A by the caller being 1.
    vec="Vector512"
    L=[]
    L.append(f"    // {mr}×{nv*width} tile with {vec}, A read in place: row r of the tile is a + r·lda (rows 0–3 from a, 4–7 from a + 4·lda,")
    L.append(f"    // 8–11 from a + 8·lda, so the addresses need three bases and lda, 3·lda). For small products, where packing A costs")
    L.append(f"    // more than the kernel saves by reading it packed (SgemmPacked.ReadsAInPlace).")
    L.append(f"    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
    L.append(f"    public static void {name}(int kc, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, float beta)")
    L.append("    {")
    for r in range(mr):
        L.append("        " + " ".join(f"var c{r}_{v} = {vec}<float>.Zero;" for v in range(nv)))
    L.append("        float* ar0 = a, ar4 = a + 4 * lda" + (", ar8 = a + 8 * lda;" if mr > 8 else ";"))
    L.append("        nint lda2 = 2 * lda, lda3 = 3 * lda;")
    # k unrolled by two: half the loop's exits (one mispredicted per call) and pointer updates per multiply-add.
    def step(k):
        # The multiply-adds of k offset `k` (0 or 1) from the current pointers.
        boff = "" if k == 0 else " + ldb"
        for v in range(nv):
            L.append(f"            var b{v}_{k} = {vec}.Load(b{boff} + {v*width});")
        offs=["0","lda","lda2","lda3"]
        for r in range(mr):
            base=["ar0","ar4","ar8"][r//4]
            idx = offs[r%4] + ("" if k == 0 else " + 1")
            L.append(f"            var a{r}_{k} = {vec}.Create({base}[{idx}]);")
            for v in range(nv):
                L.append(f"            c{r}_{v} = Vector512.FusedMultiplyAdd(a{r}_{k}, b{v}_{k}, c{r}_{v});")
    L.append("        int p = 0;")
    L.append("        for (; p + 2 <= kc; p += 2)")
    L.append("        {")
    step(0)
    step(1)
    L.append("            ar0 += 2; ar4 += 2;" + (" ar8 += 2;" if mr > 8 else ""))
    L.append("            b += 2 * ldb;")
    L.append("        }")
    L.append("        if (p < kc)")
    L.append("        {")
    step(0)
    L.append("        }")
    store_tile(L, vec, mr, nv, width, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})")
    return "\n".join(L)

hdr = """// Register-blocked SGEMM micro-kernels: C[0:MR, 0:NR] ← beta·C + Σ_p a[p·MR + r]·b[p·ldb + j]: A is a packed
// panel (MR values per k), B is either a packed panel (ldb = NR) or B itself when stored untransposed (ldb = its row stride). beta = 0 never reads C. Generated by tools/gen-sgemm-microkernels.py from one template,
// so the widths stay identical apart from the vector type: AVX-512 12×32 (8×32 and 4×32 for the last rows, 12×16 for a last panel of at most 16 columns), AVX2+FMA 6×16, Vector128 4×8.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Apd.Engine.Blas;

internal static unsafe class SgemmMicroKernels
{
"""
out = hdr
out += kernel("Kernel12x32", "Vector512", 12, 2, 16, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})") + "\n\n"
out += kernel("Kernel12x32T", "Vector512", 12, 2, 16, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})", astride="lda") + "\n\n"
out += kernel("Kernel12x16T", "Vector512", 12, 1, 16, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})", astride="lda") + "\n\n"
out += kernel("Kernel8x32T", "Vector512", 8, 2, 16, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})", astride="lda") + "\n\n"
out += kernel("Kernel12x16", "Vector512", 12, 1, 16, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})") + "\n\n"
out += kernel_rows("Kernel12x32Rows", 12, 2, 16) + "\n\n"
out += kernel_rows("Kernel12x16Rows", 12, 1, 16) + "\n\n"
out += kernel_rows("Kernel8x32Rows", 8, 2, 16) + "\n\n"
out += kernel_rows("Kernel8x16Rows", 8, 1, 16) + "\n\n"
out += kernel("Kernel8x16T", "Vector512", 8, 1, 16, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})", astride="lda") + "\n\n"
out += kernel("Kernel8x32", "Vector512", 8, 2, 16, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})", astride=12) + "\n\n"
out += kernel("Kernel4x32", "Vector512", 4, 2, 16, lambda a,b,c: f"Vector512.FusedMultiplyAdd({a}, {b}, {c})", astride=12) + "\n\n"
out += kernel("Kernel6x16", "Vector256", 6, 2, 8, lambda a,b,c: f"Vector256.FusedMultiplyAdd({a}, {b}, {c})") + "\n\n"
out += kernel("Kernel4x8", "Vector128", 4, 2, 4, lambda a,b,c: f"MultiplyAdd({a}, {b}, {c})") + "\n\n"
out += """    // Vector128 FMA where the hardware has it (x86 FMA, Arm AdvSimd), multiply-then-add otherwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
        => System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported
            ? Vector128.FusedMultiplyAdd(a, b, c)
            : a * b + c;
}
"""
import pathlib
(pathlib.Path(__file__).resolve().parent.parent / "Apd.Engine/Blas/SgemmMicroKernels.cs").write_text(out)
