// Argument checks shared by every IBlas provider, done once at the public edge:
// dimensions non-negative, each transpose No or Yes, leading dimensions at least the stored row length, spans long enough.
// The check is one inlined predicate with no throw in it; only a failing call goes to the cold path that
// finds the faulty argument and names it (a 1×1×1 product costs a few ns, so the check must cost less).
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Apd.Engine.Blas;

internal static class GemmArguments
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Validate(Transpose transA, Transpose transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        // Stored A is m×k (k×m when transposed), B is k×n (n×k), C is m×n; all row-major.
        bool ta = transA == Transpose.Yes, tb = transB == Transpose.Yes;
        if ((m | n | k) < 0
            || ((uint)transA | (uint)transB) > 1u
            || !Fits(ta ? k : m, ta ? m : k, aLength, lda)
            || !Fits(tb ? n : k, tb ? k : n, bLength, ldb)
            || !Fits(m, n, cLength, ldc))
            Throw(transA, transB, m, n, k, aLength, lda, bLength, ldb, cLength, ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Fits(int rows, int cols, int length, int ld)
        => ld >= cols && ld > 0 && (rows == 0 || cols == 0 || (long)(rows - 1) * ld + cols <= length);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(Transpose transA, Transpose transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (!Enum.IsDefined(transA)) throw new ArgumentOutOfRangeException(nameof(transA), transA, "Transpose is No or Yes.");
        if (!Enum.IsDefined(transB)) throw new ArgumentOutOfRangeException(nameof(transB), transB, "Transpose is No or Yes.");
        (int aRows, int aCols) = transA == Transpose.No ? (m, k) : (k, m);
        (int bRows, int bCols) = transB == Transpose.No ? (k, n) : (n, k);
        CheckMatrix("A", aRows, aCols, aLength, lda);
        CheckMatrix("B", bRows, bCols, bLength, ldb);
        CheckMatrix("C", m, n, cLength, ldc);
        throw new UnreachableException("GEMM arguments failed the check but no argument was found at fault.");
    }

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
