// Argument checks shared by every IBlas provider, done once at the public edge:
// dimensions non-negative, leading dimensions at least the stored row length, spans long enough.
using System.Runtime.CompilerServices;

namespace Apd.Engine.Blas;

internal static class GemmArguments
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Validate(Transpose transA, Transpose transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        // Stored A is m×k (k×m when transposed), B is k×n (n×k), C is m×n; all row-major.
        (int aRows, int aCols) = transA == Transpose.No ? (m, k) : (k, m);
        (int bRows, int bCols) = transB == Transpose.No ? (k, n) : (n, k);
        CheckMatrix("A", aRows, aCols, aLength, lda);
        CheckMatrix("B", bRows, bCols, bLength, ldb);
        CheckMatrix("C", m, n, cLength, ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckMatrix(string name, int rows, int cols, int length, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"Leading dimension of {name} is {ld}, less than its row length {cols}.");
        if (rows == 0 || cols == 0) return;
        long needed = (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"{name} ({rows}×{cols}, leading dimension {ld}) needs {needed} elements, the span has {length}.");
    }
}
