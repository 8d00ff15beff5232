using System.Security.Cryptography;
using System.Text;
using Apd.Engine.Checkpoints;

namespace Apd.Engine.Tests.Checkpoints;

public sealed class CheckpointFileTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"apd-ckpt-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static ModelState Sample()
    {
        var s = new ModelState("finetune");
        s.Properties["architecture"] = "lenet";
        s.Properties["note"] = "σ ⊙ M + τ";
        s.Add(NamedTensor.Of("conv1.w", [2, 1, 2, 2], [1f, -0f, float.Epsilon, 3.5f, float.MaxValue, -1e-30f, 0.1f, 7f]));
        s.Add(NamedTensor.Of("tau/idx", [3], [0, 5, int.MaxValue]));
        s.Add(NamedTensor.Of("ewc/A", [2], [Math.PI, -1e300]));
        s.Add(NamedTensor.Of("empty", [0, 4], Array.Empty<float>()));
        return s;
    }

    [Test]
    public void Round_trip_keeps_kind_properties_and_every_tensor_bit_for_bit()
    {
        string path = Path.Combine(_dir, "model.apdckpt");
        CheckpointFile.Save(path, Sample());
        var back = CheckpointFile.Load(path);
        Assert.That(back.Kind, Is.EqualTo("finetune"));
        Assert.That(back.Properties, Is.EquivalentTo(Sample().Properties));
        Assert.That(back.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "conv1.w", "tau/idx", "ewc/A", "empty" }));
        var w = back.Tensor("conv1.w");
        Assert.That(w.Shape, Is.EqualTo(new[] { 2, 1, 2, 2 }));
        Assert.That(w.Floats!.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(Sample().Tensor("conv1.w").Floats!.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(back.Tensor("tau/idx").Ints, Is.EqualTo(new[] { 0, 5, int.MaxValue }));
        Assert.That(back.Tensor("ewc/A").Doubles, Is.EqualTo(new[] { Math.PI, -1e300 }));
        Assert.That(back.Tensor("empty").Count, Is.Zero);
    }

    [Test]
    public void Saving_over_a_file_replaces_it_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_dir, "model.apdckpt");
        File.WriteAllText(path, "old contents");
        CheckpointFile.Save(path, Sample());
        Assert.That(CheckpointFile.Load(path).TensorCount, Is.EqualTo(4));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void Every_truncation_is_reported_as_truncated_or_not_a_checkpoint()
    {
        string path = Path.Combine(_dir, "model.apdckpt");
        CheckpointFile.Save(path, Sample());
        byte[] full = File.ReadAllBytes(path);
        for (int length = 0; length < full.Length; length++)
        {
            File.WriteAllBytes(path, full[..length]);
            var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path), $"length {length}")!;
            Assert.That(e.Message, Does.StartWith($"checkpoint {path}: ").And.Contain(length < 16 ? "not an Apd checkpoint" : "truncated"), $"length {length}");
        }
    }

    [Test]
    public void A_flipped_bit_anywhere_after_the_header_is_caught_by_the_hash()
    {
        string path = Path.Combine(_dir, "model.apdckpt");
        CheckpointFile.Save(path, Sample());
        byte[] full = File.ReadAllBytes(path);
        for (int at = 16; at < full.Length; at += 7)
        {
            byte[] bad = (byte[])full.Clone();
            bad[at] ^= 0x10;
            File.WriteAllBytes(path, bad);
            var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path), $"byte {at}")!;
            Assert.That(e.Message, Does.Contain("SHA-256"), $"byte {at}");
        }
    }

    [Test]
    public void Wrong_magic_future_version_and_trailing_bytes_are_rejected()
    {
        byte[] good = Encode(Body(w => { Str(w, "stl"); w.Write(0u); w.Write(0u); }));
        Assert.That(CheckpointFile.Parse(good).Kind, Is.EqualTo("stl"));

        byte[] magic = (byte[])good.Clone();
        magic[0] = (byte)'X';
        Assert.That(Assert.Throws<InvalidDataException>(() => CheckpointFile.Parse(magic))!.Message, Does.Contain("bad magic"));

        byte[] future = (byte[])good.Clone();
        future[8] = 2;
        Assert.That(Assert.Throws<InvalidDataException>(() => CheckpointFile.Parse(future))!.Message, Does.Contain("format version 2 is not supported"));

        Assert.That(Assert.Throws<InvalidDataException>(() => CheckpointFile.Parse([.. good, 0]))!.Message, Does.Contain("1 unexpected bytes after the end"));
    }

    // Hostile files: well-formed header and a matching hash, but lying contents.
    [TestCase("huge-dims", "announces more values than the file holds")]
    [TestCase("negative-dim", "negative dimension")]
    [TestCase("rank", "rank 200")]
    [TestCase("dtype", "unknown element type 9")]
    [TestCase("string-length", "is 4294967295 bytes long")]
    [TestCase("duplicate", "tensor 'w' appears twice")]
    [TestCase("utf8", "not valid UTF-8")]
    [TestCase("count", "truncated while reading length of tensor name")]
    [TestCase("leftover", "unread bytes")]
    public void Hostile_contents_with_a_valid_hash_fail_with_a_clear_message(string lie, string message)
    {
        byte[] body = Body(w =>
        {
            if (lie == "utf8") { w.Write(2u); w.Write(new byte[] { 0xC3, 0x28 }); } else Str(w, "stl");
            w.Write(0u);
            if (lie == "string-length") { w.Write(1u); w.Write(uint.MaxValue); return; }
            w.Write(lie switch { "duplicate" => 2u, "count" => 1000u, _ => 1u });
            Tensor(w, lie);
            if (lie == "duplicate") Tensor(w, "");
            if (lie == "leftover") w.Write((byte)0);
        });
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Parse(Encode(body)))!;
        Assert.That(e.Message, Does.Contain(message));

        static void Tensor(BinaryWriter w, string lie)
        {
            Str(w, "w");
            w.Write((byte)(lie == "dtype" ? 9 : 1));
            w.Write((byte)(lie == "rank" ? 200 : 2));
            w.Write(lie == "negative-dim" ? -3 : lie == "huge-dims" ? 1 << 30 : 1);
            w.Write(lie == "huge-dims" ? 1 << 30 : 2);
            w.Write(1f);
            w.Write(2f);
        }
    }

    [Test]
    public void A_missing_file_names_the_path()
    {
        string path = Path.Combine(_dir, "absent.apdckpt");
        Assert.That(Assert.Throws<FileNotFoundException>(() => CheckpointFile.Load(path))!.Message, Does.Contain(path));
    }

    private static byte[] Body(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms)) write(w);
        return ms.ToArray();
    }

    private static void Str(BinaryWriter w, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        w.Write((uint)b.Length);
        w.Write(b);
    }

    private static byte[] Encode(byte[] body) =>
        [.. "APDCKPT\0"u8, .. BitConverter.GetBytes(1u), .. BitConverter.GetBytes((uint)body.Length), .. body, .. SHA256.HashData(body)];
}
