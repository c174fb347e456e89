namespace SideEye.Loader.Contract;

/// <summary>An instruction of an executable, by file offset (uprobes attach to the file, not to an address).</summary>
public sealed record UprobeSite(string BinaryPath, ulong FileOffset);
