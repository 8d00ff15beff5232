// A small deterministic generator (SplitMix64) so that every seeded choice in Apd.Data
// — shuffles, subsets, permutations, splits — is the same on every runtime and platform.
namespace Apd.Data;

internal struct SeededRandom
{
    private ulong _state;

    public SeededRandom(int seed, ulong stream = 0) => _state = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (stream + 1) * 0xD1B54A32D192ED03UL;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) by multiply-shift (Lemire), bias below 2^-32 for the sizes used here.</summary>
    public int Next(int bound) => (int)((NextUInt64() >> 32) * (ulong)(uint)bound >> 32);

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>0..n-1 in a seeded random order.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle(p);
        return p;
    }
}
