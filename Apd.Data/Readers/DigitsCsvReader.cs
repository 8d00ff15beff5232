// Reader for the UCI optical-digits CSV (as distributed with scikit-learn): one image per row,
// 64 pixel counts 0..16 (an 8×8 image, row-major) followed by the label 0..9. Gzip or plain text.
// Pixels are scaled to [0, 1] as p / 16. The copy embedded in Apd.Data is the 1797-row test set.
using System.Reflection;
using System.Text;
using Apd.Engine.Tensors;

namespace Apd.Data.Readers;

public static class DigitsCsvReader
{
    public const int Side = 8;
    public const int Pixels = Side * Side;
    public const int MaxPixel = 16;
    public const int Classes = 10;

    /// <summary>The name under which the embedded copy reports errors and appears in listings.</summary>
    public const string EmbeddedName = "embedded:digits.csv.gz";

    public static LabeledSet Read(string path)
    {
        using var data = DataStream.Open(path);
        return Read(data);
    }

    public static LabeledSet Read(Stream stream, string name)
    {
        using var data = DataStream.Open(stream, name, name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
        return Read(data);
    }

    /// <summary>The 1797 UCI digits embedded in Apd.Data (see Resources/DIGITS-LICENSE.txt).</summary>
    public static LabeledSet ReadEmbedded()
    {
        using var stream = typeof(DigitsCsvReader).Assembly.GetManifestResourceStream("Apd.Data.digits.csv.gz")
            ?? throw new InvalidOperationException("the embedded digits resource is missing from Apd.Data");
        return Read(stream, EmbeddedName);
    }

    private static LabeledSet Read(DataStream data)
    {
        string text;
        using (var reader = new StreamReader(new DataStreamAdapter(data), Encoding.ASCII))
            text = reader.ReadToEnd();
        var images = new List<float>(1797 * Pixels);
        var labels = new List<int>(1797);
        int row = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0) continue;
            row++;
            var fields = line.Split(',');
            if (fields.Length != Pixels + 1)
                throw new DataFormatException(data.Name, $"row {row}", $"{fields.Length} fields, expected {Pixels + 1} (64 pixels and a label)");
            for (int c = 0; c < Pixels; c++)
            {
                int p = ParseInt(fields[c], data.Name, row, c + 1, MaxPixel, "pixel");
                images.Add(p / (float)MaxPixel);
            }
            labels.Add(ParseInt(fields[Pixels], data.Name, row, Pixels + 1, Classes - 1, "label"));
        }
        if (row == 0) throw new DataFormatException(data.Name, "row 1", "no data rows, expected 65 comma-separated integers per row");
        return new LabeledSet(images.ToArray(), labels.ToArray(), classes: Classes, channels: 1, height: Side, width: Side);
    }

    private static int ParseInt(string field, string name, int row, int column, int max, string what)
    {
        // Accepts "7" and "7.0" (some exports write floats); anything else is an error.
        var s = field.Trim();
        if (s.EndsWith(".0", StringComparison.Ordinal)) s = s[..^2];
        if (!int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v))
            throw new DataFormatException(name, $"row {row}, column {column}", $"'{field}' is not a whole number; expected a {what} 0..{max}");
        if (v > max)
            throw new DataFormatException(name, $"row {row}, column {column}", $"{what} {v} is out of range, expected 0..{max}");
        return v;
    }

    /// <summary>Lets a StreamReader pull from a DataStream while keeping its error reporting.</summary>
    private sealed class DataStreamAdapter(DataStream data) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => data.ReadSome(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer) => data.ReadSome(buffer);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => data.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
