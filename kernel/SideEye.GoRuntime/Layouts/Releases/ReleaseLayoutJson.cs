using System.Text.Json;
using System.Text.Json.Serialization;

namespace SideEye.GoRuntime.Layouts.Releases;

/// <summary>The layout data's JSON, generated at build time: no reflection when a stripped binary is opened.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ReleaseLayout))]
internal sealed partial class ReleaseLayoutJson : JsonSerializerContext;
