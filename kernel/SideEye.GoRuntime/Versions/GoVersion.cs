using System.Text.RegularExpressions;

namespace SideEye.GoRuntime.Versions;

/// <summary>A Go release as the toolchain names it ("go1.22.12", "go1.26rc1"), compared by number.</summary>
public readonly partial record struct GoVersion(int Major, int Minor, int Patch, string Text) : IComparable<GoVersion>
{
    /// <summary>The oldest and newest releases whose runtime SideEye models.</summary>
    public static readonly GoVersion MinimumSupported = new(1, 19, 0, "go1.19");
    public static readonly GoVersion MaximumSupported = new(1, 26, int.MaxValue, "go1.26");

    public static GoVersion? TryParse(string? text)
    {
        if (text is null) return null;
        var m = VersionPattern().Match(text);
        if (!m.Success) return null;
        var patch = m.Groups[3].Success ? int.Parse(m.Groups[3].Value) : 0;
        return new GoVersion(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), patch, text.Trim());
    }

    public bool IsSupported => this.CompareTo(MinimumSupported) >= 0 && this.CompareTo(MaximumSupported) <= 0;
    public static string SupportedRange => "go1.19 to go1.26";

    public bool AtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

    public int CompareTo(GoVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major) : Minor != other.Minor ? Minor.CompareTo(other.Minor) : Patch.CompareTo(other.Patch);

    public override string ToString() => Text;

    [GeneratedRegex(@"^go(\d+)\.(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();
}
