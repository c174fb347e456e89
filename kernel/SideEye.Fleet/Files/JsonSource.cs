using System.Text;

namespace SideEye.Fleet.Files;

/// <summary>
/// A JSON text's bytes and where its lines start, so a byte offset (what <see cref="System.Text.Json.Utf8JsonReader"/>
/// reports) becomes the line and column an editor shows.
/// </summary>
sealed class JsonSource
{
    readonly int[] _lineStarts;

    public string File { get; }
    public ReadOnlyMemory<byte> Bytes { get; }

    public JsonSource(string file, ReadOnlyMemory<byte> bytes)
    {
        File = file;
        // A byte-order mark is not part of the JSON (the reader refuses it) and an editor shows no column for it.
        Bytes = bytes.Span.StartsWith(Encoding.UTF8.Preamble) ? bytes[Encoding.UTF8.Preamble.Length..] : bytes;
        var starts = new List<int> { 0 };
        var span = Bytes.Span;
        for (var i = 0; i < span.Length; i++)
            if (span[i] == (byte)'\n') starts.Add(i + 1);
        _lineStarts = [.. starts];
    }

    /// <summary>Line and column (from 1; the column in characters) of the byte at <paramref name="offset"/>.</summary>
    public (int Line, int Column) Position(long offset)
    {
        var line = Array.BinarySearch(_lineStarts, (int)offset);
        if (line < 0) line = ~line - 1;
        var start = _lineStarts[line];
        return (line + 1, Encoding.UTF8.GetCharCount(Bytes.Span[start..(int)offset]) + 1);
    }

    /// <summary>The byte offset of a position the reader gave as a line (from 0) and a byte in it.</summary>
    public long Offset(long line, long byteInLine) =>
        line < _lineStarts.Length ? Math.Min(_lineStarts[line] + byteInLine, Bytes.Length) : Bytes.Length;

    public FleetFileException Error(long offset, string why, Exception? inner = null)
    {
        var (line, column) = Position(offset);
        return new FleetFileException(File, line, column, why, inner);
    }
}
