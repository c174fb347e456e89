using System.IO.Hashing;
using SideEye.Binary.Elf;

namespace SideEye.Binary.DebugInfo;

/// <summary>
/// Finds the separate debug file of an executable that has no DWARF of its own, in gdb's order: by GNU build ID in
/// each debug directory (<c>.build-id/xx/rest.debug</c>), by <c>.gnu_debuglink</c> (beside the executable, in its
/// <c>.debug</c> folder, and under each debug directory at the executable's own path; the CRC-32 must match), then
/// from each debuginfod server by build ID. A candidate counts only if it holds DWARF and, where both have one,
/// carries the executable's build ID: a stale debug file would describe another build and give wrong data.
/// </summary>
public static partial class DebugFileLocator
{
    /// <param name="executable">The stripped executable.</param>
    /// <param name="executablePath">Where the executable lives, for debuglink's relative places (its real path, not /proc/PID/exe); null: none.</param>
    public static DebugFileSearch Find(ElfImage executable, string? executablePath, DebugInfoSources sources)
    {
        ArgumentNullException.ThrowIfNull(executable);
        ArgumentNullException.ThrowIfNull(sources);
        var tried = new List<string>();
        var buildId = executable.GnuBuildId;
        if (buildId is { Length: > 2 })
        {
            foreach (var dir in sources.Directories)
            {
                var path = Path.Combine(dir, ".build-id", buildId[..2], buildId[2..] + ".debug");
                if (Candidate(executable, path, null, tried) is { } found) return new DebugFileSearch(found, path, tried);
            }
        }
        else tried.Add("nothing by build ID (the executable has no GNU build ID: Go links one by default from 1.24, with -ldflags=-B gobuildid from 1.22, -B 0xHEX before)");

        if (executable.GnuDebugLink is { } link)
        {
            var places = new List<string>();
            var folder = executablePath is null ? null : Path.GetDirectoryName(executablePath);
            if (folder is not null)
            {
                places.Add(Path.Combine(folder, link.FileName));
                places.Add(Path.Combine(folder, ".debug", link.FileName));
            }
            // Under a debug directory the executable's own path counts, not the /proc/PID/root a container's is reached by.
            var own = folder is null ? null : ProcRoot().Match(folder) is { Success: true } m ? "/" + m.Groups["rest"].Value : folder;
            if (own is not null && Path.IsPathRooted(own))
                foreach (var dir in sources.Directories) places.Add(Path.Combine(dir, own.TrimStart('/'), link.FileName));
            foreach (var path in places.Distinct(StringComparer.Ordinal))
                if (Candidate(executable, path, link.Crc, tried) is { } found) return new DebugFileSearch(found, path, tried);
            if (places.Count == 0) tried.Add($"debuglink {link.FileName}: the executable's folder is not known");
        }

        if (buildId is { Length: > 2 })
        {
            if (DebuginfodClient.Cached(sources, buildId) is { } cached && Candidate(executable, cached, null, tried) is { } fromCache)
                return new DebugFileSearch(fromCache, cached, tried);
            foreach (var server in sources.Servers)
            {
                var (path, why) = DebuginfodClient.Fetch(server, sources, buildId);
                if (path is null)
                {
                    tried.Add(why!);
                    continue;
                }
                if (Candidate(executable, path, null, tried) is { } fetched) return new DebugFileSearch(fetched, $"{server} (cached at {path})", tried);
                TryDelete(path); // not the file asked for: keep nothing that would be found again
            }
        }
        return new DebugFileSearch(null, null, tried);
    }

    /// <summary>The debug file at <paramref name="path"/> if it exists and is this executable's; else null, with why in <paramref name="tried"/>.</summary>
    static ElfImage? Candidate(ElfImage executable, string path, uint? crc, List<string> tried)
    {
        if (!File.Exists(path))
        {
            tried.Add($"{path}: none");
            return null;
        }
        ElfImage debug;
        try
        {
            if (crc is { } expected)
            {
                var bytes = File.ReadAllBytes(path);
                var actual = Crc32.HashToUInt32(bytes);
                if (actual != expected)
                {
                    tried.Add($"{path}: CRC-32 {actual:x8}, not the debuglink's {expected:x8} (another build's debug file)");
                    return null;
                }
                debug = ElfImage.Parse(path, bytes);
            }
            else debug = ElfImage.Open(path);
        }
        catch (BinaryFormatException e)
        {
            tried.Add($"{path}: {e.Message}");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            tried.Add($"{path}: cannot read: {e.Message}");
            return null;
        }
        if (executable.GnuBuildId is { } wanted && debug.GnuBuildId is { } has && !string.Equals(wanted, has, StringComparison.Ordinal))
        {
            tried.Add($"{path}: build ID {has}, not the executable's {wanted}");
            return null;
        }
        if (!debug.HasDwarf)
        {
            tried.Add($"{path}: holds no DWARF");
            return null;
        }
        return debug;
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^/proc/[0-9]+/root/(?<rest>.*)$")]
    private static partial System.Text.RegularExpressions.Regex ProcRoot();
}
