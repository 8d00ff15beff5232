using Apd.Data;
using Apd.Data.Readers;

namespace Apd.Engine.Tests.Data;

public sealed class DigitsCsvReaderTests
{
    [Test]
    public void Embedded_digits_hold_1797_images_of_8x8_with_all_ten_classes()
    {
        var data = DigitsCsvReader.ReadEmbedded();
        Assert.That((data.Count, data.Channels, data.Height, data.Width, data.Classes), Is.EqualTo((1797, 1, 8, 8, 10)));
        // Class counts of the UCI test set (optdigits.tes), from its description.
        int[] expected = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
        for (int c = 0; c < 10; c++) Assert.That(data.Labels.Count(l => l == c), Is.EqualTo(expected[c]), $"class {c}");
        Assert.That(data.Images.Min(), Is.EqualTo(0f));
        Assert.That(data.Images.Max(), Is.EqualTo(1f));
        // First row of the CSV: 0,0,5,13,9,1,0,0,… label 0.
        Assert.That(data.Images[2], Is.EqualTo(5 / 16f));
        Assert.That(data.Images[3], Is.EqualTo(13 / 16f));
        Assert.That(data.Labels[0], Is.EqualTo(0));
    }

    [Test]
    public void Embedded_copy_matches_the_shared_file()
    {
        string path = DataFixtures.RequireSharedData("digits/digits.csv.gz");
        var shared = DigitsCsvReader.Read(path);
        var embedded = DigitsCsvReader.ReadEmbedded();
        Assert.That(embedded.Images, Is.EqualTo(shared.Images));
        Assert.That(embedded.Labels, Is.EqualTo(shared.Labels));
    }

    private static DataFormatException Parse(string text, string name = "d.csv") =>
        Assert.Throws<DataFormatException>(() => DigitsCsvReader.Read(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text)), name))!;

    private static string Row(int pixel = 3, int label = 4, int columns = 64) => string.Join(',', Enumerable.Repeat(pixel.ToString(), columns)) + "," + label;

    [Test]
    public void Reads_plain_text_rows()
    {
        var data = DigitsCsvReader.Read(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(Row() + "\n" + Row(16, 9) + "\r\n")), "d.csv");
        Assert.That(data.Labels, Is.EqualTo(new[] { 4, 9 }));
        Assert.That(data.Images[64], Is.EqualTo(1f));
    }

    [Test]
    public void Wrong_field_count_names_the_row()
    {
        var e = Parse(Row() + "\n" + Row(columns: 63) + "\n");
        Assert.That(e.Message, Does.Contain("d.csv").And.Contain("row 2").And.Contain("64 fields").And.Contain("expected 65"));
    }

    [Test]
    public void Pixel_above_16_names_row_and_column()
    {
        var e = Parse(Row(pixel: 17));
        Assert.That(e.Message, Does.Contain("row 1, column 1").And.Contain("pixel 17").And.Contain("0..16"));
    }

    [Test]
    public void Label_out_of_range_names_column_65()
    {
        var e = Parse(Row(label: 12));
        Assert.That(e.Message, Does.Contain("row 1, column 65").And.Contain("label 12").And.Contain("0..9"));
    }

    [Test]
    public void Non_numeric_field_is_rejected()
    {
        var e = Parse(Row().Replace("3,3,3", "3,x,3"));
        Assert.That(e.Message, Does.Contain("'x'").And.Contain("whole number"));
    }

    [Test]
    public void Empty_input_is_rejected()
    {
        var e = Parse("");
        Assert.That(e.Message, Does.Contain("no data rows"));
    }

    [Test]
    public void A_gz_name_with_plain_text_is_not_gzip()
    {
        var e = Parse(Row(), "digits.csv.gz");
        Assert.That(e.Message, Does.Contain("digits.csv.gz").And.Contain("not a gzip file"));
    }
}
