// On-disk form of a ModelState, little-endian:
//   magic "APDCKPT\0" | u32 format version (1) | u32 section length L | L bytes: body | 32 bytes SHA-256(body)
//   body: str kind | u32 nProps | nProps × (str key, str value) | u32 nTensors |
//         nTensors × (str name, u8 dtype 1=f32 2=i32 3=f64, u8 rank ≤ 8, rank × i32 dim, count values)
//   str: u32 byte length ≤ 1 MiB, UTF-8.
// Writes are atomic (temporary file, flush, rename). Reads validate every length against what is
// left before trusting it, so a truncated, corrupt or hostile file fails with a clear message and
// never allocates more than the file holds.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Apd.Engine.Checkpoints;

public static class CheckpointFile
{
    public const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "APDCKPT\0"u8;
    private const int MaxString = 1 << 20;
    private const int MaxRank = 8;
    private const int HashLength = 32;

    public static void Save(string path, ModelState state)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(state);
        byte[] body = Body(state);
        AtomicFile.Write(path, f =>
        {
            Span<byte> head = stackalloc byte[16];
            Magic.CopyTo(head);
            BinaryPrimitives.WriteUInt32LittleEndian(head[8..], FormatVersion);
            BinaryPrimitives.WriteUInt32LittleEndian(head[12..], checked((uint)body.Length));
            f.Write(head);
            f.Write(body);
            f.Write(SHA256.HashData(body));
        });
    }

    public static ModelState Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"checkpoint {path}: no such file", path);
        }
        try
        {
            return Parse(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"checkpoint {path}: {e.Message}", e);
        }
    }

    internal static ModelState Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 16 || !bytes[..8].SequenceEqual(Magic))
            throw new InvalidDataException("not an Apd checkpoint (bad magic bytes)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != FormatVersion)
            throw new InvalidDataException($"format version {version} is not supported (this build reads version {FormatVersion})");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
        long expected = 16L + length + HashLength;
        if (bytes.Length < expected) throw new InvalidDataException($"truncated: {bytes.Length} bytes, the header announces {expected}");
        if (bytes.Length > expected) throw new InvalidDataException($"{bytes.Length - expected} unexpected bytes after the end");
        var body = bytes.Slice(16, (int)length);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.Slice(16 + (int)length, HashLength)))
            throw new InvalidDataException("corrupt: the SHA-256 of the contents does not match");

        var r = new Reader(body);
        var state = new ModelState(r.String("kind"));
        uint props = r.UInt32("property count");
        for (uint i = 0; i < props; i++)
        {
            string key = r.String("property name");
            if (!state.Properties.TryAdd(key, r.String($"property '{key}'"))) throw new InvalidDataException($"property '{key}' appears twice");
        }
        uint tensors = r.UInt32("tensor count");
        for (uint i = 0; i < tensors; i++)
        {
            string name = r.String("tensor name");
            byte dtype = r.Byte($"type of tensor '{name}'");
            byte rank = r.Byte($"rank of tensor '{name}'");
            if (dtype is not (1 or 2 or 3)) throw new InvalidDataException($"tensor '{name}' has unknown element type {dtype}");
            if (rank > MaxRank) throw new InvalidDataException($"tensor '{name}' has rank {rank} (at most {MaxRank})");
            var shape = new int[rank];
            int size = dtype == 3 ? 8 : 4;
            long count = 1;
            for (int d = 0; d < rank; d++)
            {
                shape[d] = r.Int32($"dimension {d} of tensor '{name}'");
                if (shape[d] < 0) throw new InvalidDataException($"tensor '{name}' has negative dimension {shape[d]}");
                count *= shape[d];
                if (count > r.Remaining / size) throw new InvalidDataException($"tensor '{name}' announces more values than the file holds");
            }
            if (count > r.Remaining / size) throw new InvalidDataException($"tensor '{name}' announces more values than the file holds");
            var raw = r.Bytes((int)count * size, $"values of tensor '{name}'");
            NamedTensor tensor;
            if (dtype == 1)
            {
                var values = new float[count];
                for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * k)..]);
                tensor = NamedTensor.Of(name, shape, values);
            }
            else if (dtype == 2)
            {
                var values = new int[count];
                for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * k)..]);
                tensor = NamedTensor.Of(name, shape, values);
            }
            else
            {
                var values = new double[count];
                for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * k)..]);
                tensor = NamedTensor.Of(name, shape, values);
            }
            try
            {
                state.Add(tensor);
            }
            catch (ArgumentException)
            {
                throw new InvalidDataException($"tensor '{name}' appears twice");
            }
        }
        if (r.Remaining != 0) throw new InvalidDataException($"{r.Remaining} unread bytes at the end of the contents");
        return state;
    }

    private static byte[] Body(ModelState state)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            WriteString(w, state.Kind);
            w.Write((uint)state.Properties.Count);
            foreach (var (k, v) in state.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                WriteString(w, k);
                WriteString(w, v);
            }
            w.Write((uint)state.TensorCount);
            foreach (var t in state.Tensors)
            {
                WriteString(w, t.Name);
                w.Write((byte)(t.Floats is not null ? 1 : t.Ints is not null ? 2 : 3));
                if (t.Shape.Length > MaxRank) throw new ArgumentException($"Tensor '{t.Name}' has rank {t.Shape.Length}; checkpoints hold at most {MaxRank}.");
                w.Write((byte)t.Shape.Length);
                foreach (int d in t.Shape) w.Write(d);
                if (t.Floats is { } f) foreach (float v in f) w.Write(v);
                else if (t.Ints is { } n) foreach (int v in n) w.Write(v);
                else foreach (double v in t.Doubles!) w.Write(v);
            }
        }
        return ms.ToArray();
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(s);
        if (utf8.Length > MaxString) throw new ArgumentException($"A checkpoint string is limited to {MaxString} bytes, got {utf8.Length}.");
        w.Write((uint)utf8.Length);
        w.Write(utf8);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public readonly int Remaining => _data.Length - _at;

        public ReadOnlySpan<byte> Bytes(int n, string what)
        {
            if (n < 0 || n > Remaining) throw new InvalidDataException($"truncated while reading {what}: needs {n} bytes, {Remaining} left");
            var s = _data.Slice(_at, n);
            _at += n;
            return s;
        }

        public byte Byte(string what) => Bytes(1, what)[0];
        public uint UInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, what));
        public int Int32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, what));

        public string String(string what)
        {
            uint n = UInt32($"length of {what}");
            if (n > MaxString) throw new InvalidDataException($"{what} is {n} bytes long (at most {MaxString})");
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Bytes((int)n, what));
            }
            catch (DecoderFallbackException)
            {
                throw new InvalidDataException($"{what} is not valid UTF-8");
            }
        }
    }
}
