using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime;

/// <summary>The binary was built by a Go release whose runtime SideEye does not model.</summary>
public sealed class UnsupportedGoVersionException(string file, GoVersion found)
    : SideEyeException($"{file}: built with {found}, SideEye supports {GoVersion.SupportedRange}")
{
    public GoVersion Found { get; } = found;
}
