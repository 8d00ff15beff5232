using Apd.Engine.Blas;
using Apd.Engine.Kernels.Reference;
using Apd.Engine.Tests.Kernels;

namespace Apd.Engine.Tests.Blas;

/// <summary>
/// The managed SGEMM's paths for small and narrow products, each reached by shapes chosen to land on it (with
/// AVX-512; with it off, or with hardware intrinsics off, the same shapes check the fallbacks): every tile read in
/// place, 2–8 columns interleaved along k, 8–15 columns by broadcasts, A stored transposed with under 16 rows
/// by outer products, B stored transposed by dot products of rows, K ≤ 4 with B's rows in registers, a contiguous column of C from the strip kernels, fewer
/// rows than a tile, small untransposed products by broadcasts straight from the checked entry, tiny products past the
/// scalar loops, and the tiny dense products Sgemm computes inline (four columns as vectors, equal to the scalar loop).
/// All against the naive loop in double, with alpha/beta, leading dimensions past the row, and NaN in C when beta = 0.
/// </summary>
[TestFixture, Category("Kernels")]
public class SmallGemmPathTests
{
    private static readonly Transpose N = Transpose.No, T = Transpose.Yes;

    // Every tile of C from kernels reading A and B in place: alpha = 1, B untransposed, 12 to 192 rows: rows 12q,
    // 12q + 8 or 12q + 4 (8-row tiles); one more block of columns past 320.
    private static readonly (Transpose A, int M, int N, int K)[] InPlace =
    [
        (N, 64, 64, 64), (N, 96, 96, 96), (N, 128, 128, 128), (N, 100, 64, 50), (N, 20, 64, 40), (N, 16, 32, 9),
        (N, 24, 352, 30), (N, 36, 64, 256), (T, 48, 96, 70), (T, 12, 32, 12), (T, 96, 96, 96),
        // Ragged: last rows as a moved-up tile, a 16-column panel, the last n mod 16 columns as a narrow product
        // (one column: a matrix-vector product).
        (N, 100, 100, 100), (N, 50, 50, 50), (N, 72, 80, 30), (N, 13, 40, 20), (N, 61, 49, 33), (N, 100, 113, 50),
        (N, 40, 350, 20), (N, 16, 48, 30), (T, 20, 64, 40), (T, 25, 48, 9), (T, 190, 80, 256),
        // K over more than one slice of 256, with a narrow last column block.
        (N, 40, 40, 300), (N, 100, 70, 600), (T, 36, 40, 600), (N, 20, 64, 513), (T, 44, 33, 257),
        // m mod 4 = 2, 3 (and 1 with B past 16 Ki floats): the last m mod 4 + 4 rows from a moved-up 8-row tile, over
        // one or several slices.
        (N, 15, 64, 30), (T, 27, 48, 300), (N, 14, 50, 20), (N, 50, 70, 600), (T, 31, 96, 40), (N, 17, 100, 300), (T, 29, 200, 100),
        // A last column of C with K past 1024: gathered into a pooled array.
        (N, 14, 17, 1100),
    ];

    // m mod 4 = 1 with B within 16 Ki floats: the last row a vector-matrix product of its own (B's rows summed in
    // registers), the tiles over the 4q rows above it; a last column of C gathered on the stack.
    private static readonly (Transpose A, int M, int N, int K)[] LastRowApart =
    [
        (N, 17, 129, 33), (T, 17, 129, 33), (N, 21, 65, 50), (N, 13, 129, 100), (T, 13, 40, 20), (N, 17, 257, 40),
        (T, 17, 40, 9), (N, 189, 96, 40), (T, 33, 33, 33), (N, 61, 49, 33), (N, 21, 33, 400), (T, 25, 17, 600),
        (N, 29, 16, 300), (N, 13, 33, 480),
    ];

    // A and B untransposed, 2–8 columns: 2, 4 or 8 consecutive k per lane group; odd K, K < g, fewer than 8 rows.
    private static readonly (int M, int N, int K)[] Interleaved =
    [
        (30, 8, 200), (30, 4, 200), (30, 2, 200), (30, 7, 201), (7, 5, 300), (1000, 2, 40), (130, 3, 11), (700, 6, 1),
        (64, 8, 64), (9, 5, 203), (11, 2, 777), (460, 3, 3),
        // Blocks of 12, 11 and 9 rows (the others above are blocks of 10 and 8).
        (36, 8, 50), (120, 4, 30), (48, 2, 64), (22, 5, 40), (27, 6, 33),
    ];

    // A and B untransposed, 8–15 columns, any number of rows: blocks of 8–12 rows, the last moved up.
    private static readonly (int M, int N, int K)[] Broadcast =
    [
        (64, 15, 500), (200, 9, 300), (1000, 15, 100), (64, 8, 300), (49, 12, 33), (8, 10, 600), (131, 11, 17),
        (36, 12, 40), (33, 9, 50), (27, 13, 30),
        // A last block moved up by 1–5 rows (the most BlockRows leaves): 15, 14, 13, 73, 91 rows; one block of 10, 12.
        (15, 9, 40), (14, 11, 25), (13, 10, 20), (73, 9, 20), (91, 15, 12), (23, 14, 9), (12, 12, 12), (10, 10, 10),
    ];

    // A and B untransposed, 1–16 rows, 2–15 columns, K ≤ 16, at most 1024 multiply-adds: straight from the checked
    // entry to the broadcasts (GemmNarrow.TakesSmall), 64 multiply-adds or fewer included: blocks of 4 rows and single
    // rows (under 8 rows), blocks of 8–12 with the last moved up (13–16 rows), odd and even K, K = 1.
    private static readonly (int M, int N, int K)[] Small =
    [
        (8, 8, 8), (2, 2, 16), (1, 4, 16), (16, 4, 16), (5, 7, 9), (3, 15, 16), (13, 3, 5), (4, 10, 16), (9, 8, 13),
        (12, 5, 16), (16, 2, 16), (16, 15, 4), (6, 13, 13), (1, 2, 1), (7, 2, 1), (2, 3, 4), (3, 9, 2), (11, 6, 15),
    ];

    // A stored transposed, under 16 rows (or the rows past the last block of 16), 2–15 columns, either B.
    private static readonly (Transpose B, int M, int N, int K)[] Outer =
    [
        (N, 7, 5, 3000), (N, 15, 12, 500), (T, 10, 10, 100), (N, 3, 3, 1000), (N, 40, 9, 70), (T, 2, 2, 5000),
        (T, 13, 15, 301), (N, 9, 8, 60),
    ];

    // A untransposed, B stored transposed, 2–15 columns: 4×4 blocks of dot products (a last block of 1–3 rows or
    // columns), K past or short of a multiple of 16, K < 16.
    private static readonly (int M, int N, int K)[] DotRows =
    [
        (2, 2, 1000), (16, 7, 200), (47, 15, 47), (12, 15, 50), (1000, 2, 40), (6, 2, 100), (13, 5, 17), (40, 6, 100),
        (3, 3, 64), (200, 4, 100), (50, 3, 1), (21, 11, 3), (7, 13, 31),
    ];

    // K ≤ 4, B untransposed, at least 16 columns: 64 columns at a time, then 16, the last masked.
    private static readonly (Transpose A, int M, int N, int K)[] ShortK =
    [
        (N, 500, 500, 2), (N, 100, 100, 4), (T, 64, 1000, 1), (N, 130, 77, 3), (T, 70, 16, 4), (N, 300, 64, 1), (T, 257, 130, 2),
    ];

    // Fewer than 12 rows, one thread: blocks of 1–4 rows × 64 columns (masked last block), a last strip of ≤ 16
    // columns by broadcasts (A untransposed), A stored transposed read in place, B stored transposed turned row-major
    // (TT, or NT with more than 4 rows) or dotted in place (NT with up to 4 rows).
    private static readonly (Transpose A, Transpose B, int M, int N, int K)[] FewRows =
    [
        (N, N, 2, 32, 100), (N, N, 4, 64, 64), (N, N, 3, 40, 50), (N, N, 11, 300, 200), (N, N, 7, 100, 50), (N, N, 5, 129, 17),
        (N, N, 2, 16, 100), (N, N, 9, 70, 1000), (T, N, 4, 64, 64), (T, N, 10, 64, 64), (T, N, 3, 17, 300), (T, N, 11, 129, 33),
        (N, T, 9, 100, 100), (N, T, 4, 64, 64), (N, T, 2, 33, 100), (N, T, 3, 40, 500), (N, T, 11, 129, 33), (T, T, 4, 64, 64),
        (T, T, 6, 100, 200), (T, T, 9, 50, 64),
    ];

    // Products of at most 16³ multiply-adds with more than 64: no longer the direct loops but the paths above; and
    // single rows of C that are narrow.
    private static readonly (Transpose A, Transpose B, int M, int N, int K)[] Tiny =
    [
        (N, N, 2, 2, 1000), (T, N, 2, 2, 1000), (N, T, 2, 2, 1000), (T, T, 2, 2, 1000), (N, N, 8, 8, 8), (N, N, 5, 5, 100),
        (N, N, 16, 16, 16), (T, T, 16, 16, 16), (N, T, 16, 16, 16), (T, N, 9, 9, 9), (N, N, 2, 1, 200), (N, N, 1, 2, 200),
        (N, N, 12, 12, 24), (N, N, 4, 4, 5),
        // One row of C, 2–15 columns, B untransposed: the narrow forms (interleaved, broadcasts, outer products).
        (N, N, 1, 3, 4000), (N, N, 1, 15, 300), (N, N, 1, 8, 64), (T, N, 1, 5, 200), (T, N, 1, 12, 64),
    ];

    [Test]
    public void Fewer_rows_than_a_tile_match_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 800;
        foreach (var (ta, tb, m, n, k) in FewRows)
        {
            Check(blas, ta, tb, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, ta, tb, m, n, k, -0.5f, 1.5f, pad: 3, seed++);
        }
    }

    [Test]
    public void Every_tiny_dense_product_computed_inline_matches_the_naive_loop()
    {
        // ManagedBlas.Sgemm computes every product with dimensions 1–4 and dense matrices itself (one copy of the
        // loops per transpose pair): all 64 shapes × 4 transposes, alpha and beta in their special cases; padded rows
        // (not dense) take the checked path and must agree too.
        var blas = new ManagedBlas(1);
        int seed = 2000;
        foreach (var ta in new[] { N, T })
            foreach (var tb in new[] { N, T })
                for (int m = 1; m <= 4; m++)
                    for (int n = 1; n <= 4; n++)
                        for (int k = 1; k <= 4; k++)
                        {
                            Check(blas, ta, tb, m, n, k, 1f, 0f, pad: 0, seed++);
                            Check(blas, ta, tb, m, n, k, -0.75f, 0.5f, pad: 0, seed++);
                            Check(blas, ta, tb, m, n, k, 0f, 2f, pad: 0, seed++);
                            Check(blas, ta, tb, m, n, k, 1.5f, 1f, pad: 1, seed++);
                        }
        // alpha = 0: A and B are not referenced (NaN there must not reach C); beta = 0: C is not read.
        float[] nan = [float.NaN, float.NaN, float.NaN, float.NaN];
        float[] c = [1f, 2f, 3f, 4f];
        blas.Sgemm(T, N, 2, 2, 2, 0f, nan, 2, nan, 2, 0.5f, c, 2);
        Assert.That(c, Is.EqualTo(new[] { 0.5f, 1f, 1.5f, 2f }));
        float[] ones = [1f, 1f, 1f, 1f];
        Array.Fill(c, float.NaN);
        blas.Sgemm(N, T, 2, 2, 2, 1f, ones, 2, ones, 2, 0f, c, 2);
        Assert.That(c, Is.EqualTo(new[] { 2f, 2f, 2f, 2f }));
    }

    [Test]
    public void Four_tiny_columns_as_vectors_equal_the_scalar_loop_bit_for_bit()
    {
        // A and B untransposed, four columns: each row of C one Vector128, added in the scalar loop's order, so the
        // numbers are those of the scalar loop (GemmDirect.TryTinyDense) to the bit, for every alpha/beta case.
        var blas = new ManagedBlas(1);
        var rng = new Random(4000);
        foreach (var (alpha, beta) in new[] { (1f, 0f), (-0.75f, 0.5f), (0f, 2f), (1.5f, 1f), (0f, 0f) })
            for (int m = 1; m <= 4; m++)
                for (int k = 1; k <= 4; k++)
                {
                    float[] a = RandomF(rng, m * k), b = RandomF(rng, k * 4), c = RandomF(rng, m * 4);
                    float[] scalar = (float[])c.Clone();
                    blas.Sgemm(N, N, m, 4, k, alpha, a, k, b, 4, beta, c, 4);
                    Assert.That(GemmDirect.TryTinyDense(false, false, m, 4, k, alpha, a, k, b, 4, beta, scalar.AsSpan()), Is.True);
                    Assert.That(c.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(scalar.Select(BitConverter.SingleToInt32Bits)),
                        $"{m}×{k}×4 alpha {alpha} beta {beta}");
                }
        // alpha = 0: NaN in A and B does not reach C; beta = 0: NaN in C is not read.
        float[] nan = Enumerable.Repeat(float.NaN, 16).ToArray();
        float[] c4 = [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f];
        blas.Sgemm(N, N, 2, 4, 3, 0f, nan, 3, nan, 4, 0.5f, c4, 4);
        Assert.That(c4, Is.EqualTo(new[] { 0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 3.5f, 4f }));
        float[] ones = Enumerable.Repeat(1f, 16).ToArray();
        Array.Fill(c4, float.NaN);
        blas.Sgemm(N, N, 2, 4, 4, 1f, ones, 4, ones, 4, 0f, c4, 4);
        Assert.That(c4, Is.EqualTo(Enumerable.Repeat(4f, 8)));
    }

    [Test]
    public void Tiny_products_past_the_scalar_loops_match_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 900;
        foreach (var (ta, tb, m, n, k) in Tiny)
        {
            Check(blas, ta, tb, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, ta, tb, m, n, k, 0.75f, -1f, pad: 2, seed++);
        }
    }

    [Test]
    public void Tiles_read_in_place_match_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 1;
        foreach (var (ta, m, n, k) in InPlace)
        {
            Check(blas, ta, N, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, ta, N, m, n, k, 1f, 1f, pad: 0, seed++);
            Check(blas, ta, N, m, n, k, 1f, -0.5f, pad: 3, seed++);
        }
    }

    [Test]
    public void A_last_row_apart_when_m_is_one_past_a_multiple_of_four_matches_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 400;
        foreach (var (ta, m, n, k) in LastRowApart)
        {
            Check(blas, ta, N, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, ta, N, m, n, k, 1f, -0.5f, pad: 3, seed++);
        }
        foreach (var (ta, m, n, k) in new[] { (N, 17, 129, 33), (T, 21, 65, 200) })
            Check(blas, ta, T, m, n, k, 1f, 0.75f, pad: 2, seed++);
    }

    [Test]
    public void B_stored_transposed_turned_row_major_then_read_in_place_matches_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 50;
        foreach (var (ta, m, n, k) in new[]
                 {
                     (N, 64, 64, 64), (T, 64, 64, 64), (N, 100, 100, 100), (T, 100, 100, 100), (N, 30, 40, 200),
                     (N, 128, 128, 128), (T, 24, 256, 33), (N, 13, 17, 300), (T, 36, 50, 600),
                 })
        {
            Check(blas, ta, T, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, ta, T, m, n, k, 1f, -1.5f, pad: 3, seed++);
        }
    }

    [Test]
    public void Two_to_eight_columns_interleaved_along_k_match_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 100;
        foreach (var (m, n, k) in Interleaved)
        {
            Check(blas, N, N, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, N, N, m, n, k, -0.75f, 0.5f, pad: 2, seed++);
        }
    }

    [Test]
    public void Eight_to_fifteen_columns_by_broadcasts_match_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 200;
        foreach (var (m, n, k) in Broadcast)
        {
            Check(blas, N, N, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, N, N, m, n, k, 1.5f, -1f, pad: 5, seed++);
        }
    }

    [Test]
    public void Small_untransposed_products_by_broadcasts_straight_from_the_checked_entry_match_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 3000;
        foreach (var (m, n, k) in Small)
        {
            Check(blas, N, N, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, N, N, m, n, k, -0.75f, 0.5f, pad: 2, seed++);
            Check(blas, N, N, m, n, k, 2f, 1f, pad: 1, seed++);
        }
    }

    [Test]
    public void Few_rows_of_a_transposed_A_by_outer_products_match_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 300;
        foreach (var (tb, m, n, k) in Outer)
        {
            Check(blas, T, tb, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, T, tb, m, n, k, 0.5f, 2f, pad: 1, seed++);
        }
    }

    [Test]
    public void Narrow_C_with_B_stored_transposed_by_dot_products_of_rows_matches_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 900;
        foreach (var (m, n, k) in DotRows)
        {
            Check(blas, N, T, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, N, T, m, n, k, -1.5f, 0.5f, pad: 3, seed++);
        }
    }

    [Test]
    public void K_up_to_four_with_B_rows_in_registers_matches_the_naive_loop()
    {
        var blas = new ManagedBlas(1);
        int seed = 400;
        foreach (var (ta, m, n, k) in ShortK)
        {
            Check(blas, ta, N, m, n, k, 1f, 0f, pad: 0, seed++);
            Check(blas, ta, N, m, n, k, -2f, 0.25f, pad: 4, seed++);
        }
    }

    [Test]
    public void A_column_of_C_from_the_strip_kernels_matches_the_naive_loop_contiguous_or_strided()
    {
        var blas = new ManagedBlas(1);
        int seed = 500;
        foreach (var (m, k) in new[] { (64, 64), (128, 64), (80, 33), (16, 200), (200, 7) })
        {
            Check(blas, T, N, m, 1, k, 1f, 0f, pad: 0, seed++);
            Check(blas, T, N, m, 1, k, 0.5f, 1f, pad: 0, seed++);
            Check(blas, T, N, m, 1, k, 1f, -1f, pad: 2, seed++);
        }
    }

    [Test]
    public void Threaded_short_K_interleaved_and_outer_products_match_the_naive_loop()
    {
        // Enough work (≥ 2²¹ multiply-adds) to share between two threads: rows, or K for the outer products.
        var blas = new ManagedBlas(2);
        Check(blas, N, N, 4000, 8, 70, 1f, 0f, pad: 0, 601);
        Check(blas, N, N, 3001, 5, 150, 0.5f, 1f, pad: 1, 602);
        Check(blas, T, N, 15, 15, 10000, 1f, 0f, pad: 0, 603);
        Check(blas, T, T, 9, 13, 20000, -1f, 0.5f, pad: 2, 604);
        Check(blas, N, N, 3000, 700, 1, 1f, 0f, pad: 0, 605);
        Check(blas, T, N, 1001, 600, 4, 1f, 2f, pad: 3, 606);
        Check(blas, N, N, 3000, 12, 80, 1f, 0f, pad: 0, 607);
        Check(blas, N, T, 3001, 7, 500, 1f, 0f, pad: 0, 608);
        Check(blas, N, T, 1002, 5, 1000, 0.5f, -1f, pad: 2, 609);
    }

    [Test]
    public void A_stored_transposed_packed_eight_tiles_per_row_matches_the_naive_loop()
    {
        // A packed (alpha ≠ 1, or lda a multiple of 4 KiB): whole tiles, two 8-row tiles (m = 12q + 4), a short last tile.
        var blas = new ManagedBlas(1);
        Check(blas, T, N, 1024, 40, 30, 1f, 0f, pad: 0, 701);
        Check(blas, T, N, 1021, 40, 30, 1f, 0.5f, pad: 3, 702);
        Check(blas, T, T, 100, 70, 300, -0.5f, 0f, pad: 0, 703);
        Check(blas, T, N, 197, 33, 20, 2f, 1f, pad: 1, 704);
    }

    [Test]
    public void Beta_zero_never_reads_C_on_any_of_these_paths()
    {
        var blas = new ManagedBlas(1);
        foreach (var (ta, tb, m, n, k) in new[]
                 {
                     (N, N, 64, 64, 64), (T, N, 48, 96, 70), (N, N, 30, 8, 201), (N, N, 64, 15, 500), (T, N, 7, 5, 3000),
                     (N, N, 500, 500, 2), (T, N, 64, 1, 64), (N, N, 4, 64, 64), (T, N, 3, 17, 300), (N, T, 9, 100, 100),
                     (N, T, 2, 33, 100), (T, T, 4, 64, 64), (N, N, 2, 2, 1000), (N, T, 13, 7, 200), (N, N, 8, 8, 8),
                     (N, N, 2, 2, 16), (N, N, 1, 4, 16), (N, N, 14, 3, 9),
                 })
        {
            var rng = new Random(m * 31 + n);
            int lda = ta == N ? k : m, ldb = tb == N ? n : k;
            float[] a = RandomF(rng, (ta == N ? m : k) * lda), b = RandomF(rng, (tb == N ? k : n) * ldb);
            float[] c = new float[m * n];
            Array.Fill(c, float.NaN);
            blas.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
            Assert.That(c.Count(float.IsNaN), Is.Zero, $"{m}×{n}×{k} {ta}{tb}: NaN read from C with beta = 0");
        }
    }

    private static void Check(ManagedBlas blas, Transpose ta, Transpose tb, int m, int n, int k, float alpha, float beta, int pad, int seed)
    {
        var rng = new Random(seed);
        int lda = (ta == N ? k : m) + pad, ldb = (tb == N ? n : k) + pad, ldc = n + pad;
        float[] a = RandomF(rng, (ta == N ? m : k) * lda);
        float[] b = RandomF(rng, (tb == N ? k : n) * ldb);
        float[] c = RandomF(rng, m * ldc);
        // The oracle in double on the same float inputs; the padding between rows of C must stay untouched.
        double[] expected = Array.ConvertAll(c, x => (double)x);
        blas.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        GemmReference.Gemm(ta == T, tb == T, m, n, k, alpha, Array.ConvertAll(a, x => (double)x), lda,
            Array.ConvertAll(b, x => (double)x), ldb, beta, expected, ldc);
        double atol = 1e-6 + 4e-7 * k * Math.Abs(alpha);
        Approx.AssertClose<double>(Array.ConvertAll(c, x => (double)x), expected, atol, 2e-6,
            $"managed ({blas.Threads} threads) sgemm {ta}{tb} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}");
    }

    private static float[] RandomF(Random rng, int length)
    {
        var r = new float[length];
        for (int i = 0; i < length; i++) r[i] = (float)(rng.NextDouble() * 2 - 1);
        return r;
    }
}
