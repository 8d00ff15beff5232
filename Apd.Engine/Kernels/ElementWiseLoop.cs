// The shared SIMD loop for element-wise operators that TensorPrimitives lacks: each op is a small
// struct with a scalar and a Vector128/256/512 body; the loop runs Vector512 → Vector256 → Vector128
// → scalar, each stage starting where the wider one stopped, so no element is processed twice
// (in-place ops with state-dependent results, e.g. soft-threshold, stay exact on the tail).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Apd.Engine.Kernels;

internal interface IUnaryOperator<T> where T : unmanaged
{
    T Invoke(T x);
    Vector128<T> Invoke(Vector128<T> x);
    Vector256<T> Invoke(Vector256<T> x);
    Vector512<T> Invoke(Vector512<T> x);
}

internal interface IBinaryOperator<T> where T : unmanaged
{
    T Invoke(T x, T y);
    Vector128<T> Invoke(Vector128<T> x, Vector128<T> y);
    Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);
    Vector512<T> Invoke(Vector512<T> x, Vector512<T> y);
}

internal static class ElementWiseLoop
{
    public static void Unary<T, TOp>(ReadOnlySpan<T> x, Span<T> y, TOp op)
        where T : unmanaged, INumber<T>
        where TOp : struct, IUnaryOperator<T>
    {
        CheckSameLength(x.Length, y.Length);
        CheckNoPartialOverlap(x, y);
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            for (; i + (nuint)Vector512<T>.Count <= n; i += (nuint)Vector512<T>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i + (nuint)Vector256<T>.Count <= n; i += (nuint)Vector256<T>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
            for (; i + (nuint)Vector128<T>.Count <= n; i += (nuint)Vector128<T>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        for (; i < n; i++)
            Unsafe.Add(ref yr, i) = op.Invoke(Unsafe.Add(ref xr, i));
    }

    public static void Binary<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z, TOp op)
        where T : unmanaged, INumber<T>
        where TOp : struct, IBinaryOperator<T>
    {
        CheckSameLength(x.Length, y.Length);
        CheckSameLength(x.Length, z.Length);
        CheckNoPartialOverlap(x, z);
        CheckNoPartialOverlap(y, z);
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        ref T zr = ref MemoryMarshal.GetReference(z);
        nuint n = (nuint)x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            for (; i + (nuint)Vector512<T>.Count <= n; i += (nuint)Vector512<T>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref xr, i), Vector512.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i + (nuint)Vector256<T>.Count <= n; i += (nuint)Vector256<T>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref xr, i), Vector256.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported)
            for (; i + (nuint)Vector128<T>.Count <= n; i += (nuint)Vector128<T>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref xr, i), Vector128.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        for (; i < n; i++)
            Unsafe.Add(ref zr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    private static void CheckSameLength(int a, int b)
    {
        if (a != b) throw new ArgumentException($"Element-wise operands differ in length: {a} vs {b}.");
    }

    // Exactly the same span (in place) is fine: each element is read before it is written.
    // A shifted overlap would read elements the loop has already overwritten.
    private static void CheckNoPartialOverlap<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output)
    {
        if (input.Overlaps(output, out int offset) && offset != 0)
            throw new ArgumentException("Input and destination overlap at different offsets; use the same span for an in-place operation.");
    }
}
