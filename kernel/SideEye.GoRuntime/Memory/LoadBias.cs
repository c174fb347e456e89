using System.Globalization;
using SideEye.Binary.Elf;

namespace SideEye.GoRuntime.Memory;

/// <summary>
/// How far a process mapped its executable from the addresses the binary was linked at: 0 for an ordinary Go
/// executable (ET_EXEC), the ASLR offset for a PIE (-buildmode=pie). Addresses from the binary plus the bias are
/// addresses in the process; PCs read from the process minus the bias are addresses in the binary.
/// </summary>
public static class LoadBias
{
    public static ulong Of(int pid, ElfImage image) => Of(pid, image.IsPositionIndependent, image.LinkBase);

    /// <summary>The same from the executable's type and link base alone, for a caller that no longer holds the image.</summary>
    public static ulong Of(int pid, bool positionIndependent, ulong linkBase)
    {
        if (!positionIndependent) return 0;
        string exe;
        string[] maps;
        try
        {
            exe = File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName ?? throw new IOException("not a link");
            maps = File.ReadAllLines($"/proc/{pid}/maps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SideEyeException($"process {pid}: cannot read its executable's mappings: {e.Message}", e);
        }
        // "start-end perms offset dev inode path": the executable's mapping at file offset 0.
        foreach (var line in maps)
        {
            var f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || f[5].Trim() != exe) continue;
            if (ulong.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != 0) continue;
            var start = ulong.Parse(f[0].AsSpan(0, f[0].IndexOf('-')), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return start - linkBase;
        }
        throw new SideEyeException($"process {pid}: its executable {exe} has no mapping at file offset 0 in /proc/{pid}/maps");
    }
}
