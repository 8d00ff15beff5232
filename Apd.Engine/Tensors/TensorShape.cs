// The dimensions of a dense row-major tensor (at most 4: N, C, H, W) and its element count.
// A value type so kernels and layers can pass shapes around without allocating.
namespace Apd.Engine.Tensors;

public readonly struct TensorShape : IEquatable<TensorShape>
{
    public const int MaxRank = 4;
    private readonly int _d0, _d1, _d2, _d3;

    public TensorShape(params ReadOnlySpan<int> dims)
    {
        if (dims.Length > MaxRank) throw new ArgumentException($"A tensor has at most {MaxRank} dimensions, got {dims.Length}.", nameof(dims));
        long length = 1;
        foreach (int d in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dims));
            length *= d;
        }
        if (length > Array.MaxLength) throw new ArgumentException($"A tensor of shape [{string.Join(",", dims.ToArray())}] is too large.", nameof(dims));
        Rank = dims.Length;
        _d0 = Rank > 0 ? dims[0] : 1;
        _d1 = Rank > 1 ? dims[1] : 1;
        _d2 = Rank > 2 ? dims[2] : 1;
        _d3 = Rank > 3 ? dims[3] : 1;
        Length = (int)length;
    }

    public int Rank { get; }

    /// <summary>Number of elements: the product of the dimensions (1 for rank 0).</summary>
    public int Length { get; }

    public int this[int axis]
    {
        get
        {
            if ((uint)axis >= (uint)Rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} of a rank-{Rank} shape.");
            return axis switch { 0 => _d0, 1 => _d1, 2 => _d2, _ => _d3 };
        }
    }

    /// <summary>Row-major stride of an axis: the product of the dimensions after it.</summary>
    public int Stride(int axis)
    {
        int s = 1;
        for (int a = Rank - 1; a > axis; a--) s *= this[a];
        return axis < Rank ? s : throw new ArgumentOutOfRangeException(nameof(axis));
    }

    public int[] ToArray()
    {
        var r = new int[Rank];
        for (int a = 0; a < Rank; a++) r[a] = this[a];
        return r;
    }

    public bool Equals(TensorShape other) => Rank == other.Rank && _d0 == other._d0 && _d1 == other._d1 && _d2 == other._d2 && _d3 == other._d3;
    public override bool Equals(object? obj) => obj is TensorShape s && Equals(s);
    public override int GetHashCode() => HashCode.Combine(Rank, _d0, _d1, _d2, _d3);
    public static bool operator ==(TensorShape a, TensorShape b) => a.Equals(b);
    public static bool operator !=(TensorShape a, TensorShape b) => !a.Equals(b);
    public override string ToString() => $"[{string.Join(",", ToArray())}]";
}
