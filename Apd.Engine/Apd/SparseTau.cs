// A learned task's adaptive weights τ_i (or a group's shared σ̃_g) stored as sorted (index, value)
// pairs, so memory and capacity scale with the non-zeros. Immutable once built.
namespace Apd.Engine.Decomposition;

public sealed class SparseTau
{
    public SparseTau(int length, int[] indices, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (indices.Length != values.Length) throw new ArgumentException("indices and values differ in length");
        for (int k = 0; k < indices.Length; k++)
            if ((uint)indices[k] >= (uint)length || (k > 0 && indices[k] <= indices[k - 1]))
                throw new ArgumentException($"index {indices[k]} at position {k} is out of range or not increasing");
        Length = length;
        Indices = indices;
        Values = values;
    }

    public static SparseTau Empty(int length) => new(length, Array.Empty<int>(), Array.Empty<float>());

    /// <summary>Keeps the exact non-zeros of <paramref name="dense"/>.</summary>
    public static SparseTau FromDense(ReadOnlySpan<float> dense)
    {
        int nnz = CountNonZeros(dense);
        var idx = new int[nnz];
        var val = new float[nnz];
        int k = 0;
        for (int i = 0; i < dense.Length; i++)
        {
            if (dense[i] == 0f) continue;
            idx[k] = i;
            val[k++] = dense[i];
        }
        return new SparseTau(dense.Length, idx, val);
    }

    public int Length { get; }
    public int[] Indices { get; }
    public float[] Values { get; }
    public int NonZeros => Indices.Length;

    public static int CountNonZeros(ReadOnlySpan<float> dense)
    {
        int n = 0;
        foreach (float x in dense) if (x != 0f) n++;
        return n;
    }

    /// <summary>y[i] += τ[i] over the stored entries.</summary>
    public void AddTo(Span<float> y)
    {
        if (y.Length != Length) throw new ArgumentException($"dense length {y.Length} differs from {Length}");
        for (int k = 0; k < Indices.Length; k++) y[Indices[k]] += Values[k];
    }

    public void CopyTo(Span<float> y)
    {
        y.Clear();
        AddTo(y);
    }

    public float[] ToDense()
    {
        var d = new float[Length];
        AddTo(d);
        return d;
    }
}
