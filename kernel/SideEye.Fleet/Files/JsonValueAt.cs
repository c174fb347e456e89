using System.Text;
using System.Text.Json;

namespace SideEye.Fleet.Files;

/// <summary>
/// A JSON value and the byte offset it starts at, read with <see cref="Utf8JsonReader"/> (comments and trailing
/// commas allowed). <see cref="JsonDocument"/> keeps no positions, and every error in a fleet file names one.
/// Keys may not repeat: JSON leaves a repeated key's meaning open, and a strict file has none.
/// </summary>
sealed class JsonValueAt
{
    static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public JsonValueKind Kind { get; private init; }
    public long Offset { get; private init; }
    /// <summary>A string's value; a number's or literal's text.</summary>
    public string Text { get; private init; } = "";
    public IReadOnlyList<JsonMemberAt> Members { get; private init; } = [];
    public IReadOnlyList<JsonValueAt> Items { get; private init; } = [];

    /// <summary>"an object", "a string", … for messages.</summary>
    public string Description => Kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => Text,
    };

    /// <summary>The whole text as one value; a syntax error or repeated key is a <see cref="FleetFileException"/> at its place.</summary>
    public static JsonValueAt Read(JsonSource source)
    {
        var reader = new Utf8JsonReader(source.Bytes.Span, Options);
        try
        {
            // An empty file throws here: the reader wants a value.
            reader.Read();
            var root = ReadValue(ref reader, source);
            // The reader itself refuses anything but whitespace and comments after the root value.
            reader.Read();
            return root;
        }
        catch (JsonException e)
        {
            throw source.Error(source.Offset(e.LineNumber ?? 0, e.BytePositionInLine ?? 0), $"not valid JSON: {FirstSentence(e.Message)}", e);
        }
    }

    static JsonValueAt ReadValue(ref Utf8JsonReader reader, JsonSource source)
    {
        var offset = reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var members = new List<JsonMemberAt>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    var nameOffset = reader.TokenStartIndex;
                    if (members.Any(m => m.Name == name)) throw source.Error(nameOffset, $"\"{name}\" is given twice in this object");
                    reader.Read();
                    members.Add(new JsonMemberAt(name, nameOffset, ReadValue(ref reader, source)));
                }
                return new JsonValueAt { Kind = JsonValueKind.Object, Offset = offset, Members = members };
            case JsonTokenType.StartArray:
                var items = new List<JsonValueAt>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(ReadValue(ref reader, source));
                return new JsonValueAt { Kind = JsonValueKind.Array, Offset = offset, Items = items };
            case JsonTokenType.String:
                return new JsonValueAt { Kind = JsonValueKind.String, Offset = offset, Text = reader.GetString()! };
            case JsonTokenType.Number:
                return new JsonValueAt { Kind = JsonValueKind.Number, Offset = offset, Text = Encoding.UTF8.GetString(reader.ValueSpan) };
            case JsonTokenType.True:
            case JsonTokenType.False:
            case JsonTokenType.Null:
                return new JsonValueAt
                {
                    Kind = reader.TokenType switch { JsonTokenType.True => JsonValueKind.True, JsonTokenType.False => JsonValueKind.False, _ => JsonValueKind.Null },
                    Offset = offset,
                    Text = Encoding.UTF8.GetString(reader.ValueSpan),
                };
            default:
                throw new InvalidOperationException($"the JSON reader gave {reader.TokenType} where a value starts");
        }
    }

    /// <summary>The reader's message without its "LineNumber: … | BytePositionInLine: …" tail: the place is ours to give.</summary>
    static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).Trim().TrimEnd('.');
    }
}
