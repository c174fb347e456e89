using System.Text;
using SideEye.Fleet.Programs;

namespace SideEye.Fleet.Files;

/// <summary>
/// The fleet file a team checks in beside its capture spec: JSON with comments and trailing commas,
/// <code>
/// { "version": 1,
///   "tls": { "cert": "certs/me.pem", "key": "certs/me.key", "ca": "certs/ca.pem" },
///   "agents": [ { "name": "node-1", "address": "https://node-1.internal:7443", "environment": "prod", "labels": { "zone": "a" } } ],
///   "programs": [ { "name": "api", "match": { "executable_name": "^api$", "command_line": "--role=front" } } ] }
/// </code>
/// read strictly: an unknown key, a wrong type, a repeated key or agent name, a bad address or regular expression is
/// one <see cref="FleetFileException"/>, <c>FILE:LINE:COLUMN: path: what</c>. The format is in this project's README.
/// </summary>
public static class FleetFile
{
    public const int FormatVersion = 1;

    public static FleetSpec Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FleetFileException(path, 1, 1, $"cannot read the fleet file: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Reads <paramref name="json"/> as if it were the file at <paramref name="path"/> (named in errors; relative TLS paths start at its folder).</summary>
    public static FleetSpec Parse(string json, string path) => Parse(Encoding.UTF8.GetBytes(json), path);

    static FleetSpec Parse(byte[] bytes, string path)
    {
        var source = new JsonSource(path, bytes);
        var root = new FilePlace(source, JsonValueAt.Read(source), "");
        root.Object("version", "tls", "agents", "programs");
        var version = root.Required("version", $"say \"version\": {FormatVersion}");
        if (version.Value.Kind != System.Text.Json.JsonValueKind.Number || version.Value.Text != FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw version.Error($"{(version.Value.Kind == System.Text.Json.JsonValueKind.String ? $"\"{version.Value.Text}\"" : version.Value.Text)} is not {FormatVersion}, the version this SideEye reads");
        var fullPath = Path.GetFullPath(path);
        var credentials = TlsSection.Read(root.Optional("tls"), root, Path.GetDirectoryName(fullPath)!);
        var agents = AgentsSection.Read(root.Required("agents", "the fleet's agents, at least one"));
        var programs = root.Optional("programs") is { } p ? ProgramsSection.Read(p, agents) : ProgramRules.None;
        return new FleetSpec(fullPath, agents, credentials, programs);
    }
}
