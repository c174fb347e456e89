using System.Text.RegularExpressions;
using SideEye.Remote.Connection;

namespace SideEye.Fleet.Files;

/// <summary>
/// The fleet file's <c>tls</c>: <c>cert</c>, <c>key</c> and <c>ca</c>, each a path relative to the file's folder (or
/// absolute), or <c>$NAME</c> for the path in environment variable NAME, or <c>$NAME/REST</c> for a path under it
/// (<c>$HOME/.sideeye/me.pem</c>; relative to the working directory, as a shell's would be). A key the block leaves out comes from SIDEEYE_CERT, SIDEEYE_KEY or SIDEEYE_CA, as for
/// <c>--agent</c>. The files are read when an agent is first contacted, so a file can be checked without them.
/// </summary>
static partial class TlsSection
{
    static readonly (string Key, string Variable)[] Keys = [("cert", "SIDEEYE_CERT"), ("key", "SIDEEYE_KEY"), ("ca", "SIDEEYE_CA")];

    /// <param name="tls">The block, or null when the file has none.</param>
    /// <param name="root">Where a missing block's problem is reported.</param>
    public static AgentCredentials? Read(FilePlace? tls, FilePlace root, string folder)
    {
        tls?.Object([.. Keys.Select(k => k.Key)]);
        var paths = Keys.Select(k => tls?.Optional(k.Key) is { } value ? Path(value, folder)
            : Environment.GetEnvironmentVariable(k.Variable) is { Length: > 0 } fromEnvironment ? System.IO.Path.GetFullPath(fromEnvironment) : null).ToArray();
        if (paths.All(p => p is null)) return null;
        var missing = Keys.Where((_, i) => paths[i] is null).Select(k => $"{k.Key} (or {k.Variable})").ToArray();
        if (missing.Length > 0)
            throw (tls ?? root).Error($"TLS needs the client's certificate, its key and the fleet CA: {string.Join(", ", missing)} missing");
        return new AgentCredentials(paths[0]!, paths[1]!, paths[2]!);
    }

    static string Path(FilePlace value, string folder)
    {
        var text = value.String();
        if (!text.StartsWith('$')) return System.IO.Path.GetFullPath(text, folder);
        var m = Variable().Match(text);
        if (!m.Success) throw value.Error($"\"{text}\": write $NAME or $NAME/PATH for a path from environment variable NAME (or ./{text} for a file so named)");
        var name = m.Groups["name"].Value;
        if (Environment.GetEnvironmentVariable(name) is not { Length: > 0 } path) throw value.Error($"the environment variable {name} is not set");
        return System.IO.Path.GetFullPath(path + m.Groups["rest"].Value);
    }

    [GeneratedRegex(@"^\$(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<rest>/.*)?$")]
    private static partial Regex Variable();
}
