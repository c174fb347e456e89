namespace SideEye.Probes.Tests;

/// <summary>
/// Base of the privileged probe tests (one instance per test): fails the test if a bpf or perf fd opened during
/// it is still open afterwards. The classes share one non-parallel collection so counts do not mix.
/// </summary>
public abstract class ProbeFdLeakCheck : IDisposable
{
    readonly IReadOnlyDictionary<int, string> _before = KernelObjectFds();

    public static IReadOnlyDictionary<int, string> KernelObjectFds()
    {
        var result = new Dictionary<int, string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string? target;
            try { target = new FileInfo(entry).LinkTarget; } catch (IOException) { continue; }
            if (target is null) continue;
            if (target.StartsWith("anon_inode:bpf", StringComparison.Ordinal) || target == "anon_inode:btf" || target == "anon_inode:[perf_event]")
                result[int.Parse(Path.GetFileName(entry))] = target;
        }
        return result;
    }

    public void Dispose()
    {
        var leaked = KernelObjectFds().Where(kv => !_before.TryGetValue(kv.Key, out var t) || t != kv.Value).ToList();
        if (leaked.Count > 0)
            throw new InvalidOperationException($"leaked {leaked.Count} kernel object fd(s): {string.Join(", ", leaked.Select(kv => $"{kv.Key} -> {kv.Value}"))}");
        GC.SuppressFinalize(this);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivilegedProbeCollection
{
    public const string Name = "PrivilegedProbes";
}
