using System.Text.Json;

namespace SideEye.Fleet.Files;

/// <summary>
/// A value in the fleet file and its path from the root (<c>agents[0].labels.zone</c>), with the checks every section
/// makes; every error names the file, the line and column, and the path.
/// </summary>
sealed record FilePlace(JsonSource Source, JsonValueAt Value, string Path)
{
    public FleetFileException Error(string why) => ErrorAt(Value.Offset, why);

    public FleetFileException ErrorAt(long offset, string why, Exception? inner = null) =>
        Source.Error(offset, Path.Length == 0 ? why : $"{Path}: {why}", inner);

    /// <summary>"FILE:LINE:COLUMN" of this value, for things that report a problem later.</summary>
    public string Where
    {
        get
        {
            var (line, column) = Source.Position(Value.Offset);
            return $"{Source.File}:{line}:{column}";
        }
    }

    public FilePlace Member(JsonMemberAt member) => new(Source, member.Value, Path.Length == 0 ? member.Name : $"{Path}.{member.Name}");

    public FilePlace Item(int index) => new(Source, Value.Items[index], $"{Path}[{index}]");

    /// <summary>The object's members, after checking it is an object whose keys are all <paramref name="keys"/>.</summary>
    public IReadOnlyList<JsonMemberAt> Object(params string[] keys)
    {
        Members();
        foreach (var m in Value.Members)
            if (!keys.Contains(m.Name)) throw MemberError(m, $"unknown key (keys here: {string.Join(", ", keys)})");
        return Value.Members;
    }

    /// <summary>The members of an object whose keys are the file's to choose (labels, predicates).</summary>
    public IReadOnlyList<JsonMemberAt> Members()
    {
        Expect(JsonValueKind.Object, "an object");
        return Value.Members;
    }

    /// <summary>The member named <paramref name="key"/>, or null.</summary>
    public FilePlace? Optional(string key) => Value.Members.FirstOrDefault(m => m.Name == key) is { } m ? Member(m) : null;

    public FilePlace Required(string key, string what) => Optional(key) ?? throw Error($"\"{key}\" is missing: {what}");

    /// <summary>An error at a member's key (an unknown key, a name not allowed), named by that key's path.</summary>
    public FleetFileException MemberError(JsonMemberAt member, string why) => Member(member).ErrorAt(member.NameOffset, why);

    public IReadOnlyList<FilePlace> Array()
    {
        Expect(JsonValueKind.Array, "an array");
        return [.. Value.Items.Select((_, i) => Item(i))];
    }

    /// <summary>A string, not empty unless <paramref name="emptyAllowed"/>.</summary>
    public string String(bool emptyAllowed = false)
    {
        Expect(JsonValueKind.String, emptyAllowed ? "a string" : "a non-empty string");
        if (!emptyAllowed && string.IsNullOrWhiteSpace(Value.Text)) throw Error("must be a non-empty string");
        return Value.Text;
    }

    void Expect(JsonValueKind kind, string what)
    {
        if (Value.Kind != kind) throw Error($"must be {what}, not {Value.Description}");
    }
}
