namespace SideEye.Testing;

/// <summary>
/// Base of privileged BPF test classes: xunit creates one instance per test, so the constructor records the bpf and
/// perf fds open in this process and Dispose fails the test if any new one is still open afterwards.
/// Privileged classes share one non-parallel collection so one test's objects never show up in another's count.
/// </summary>
public abstract class KernelObjectLeakCheck : IDisposable
{
    readonly IReadOnlyDictionary<int, string> _before = KernelObjectFds();

    /// <summary>fd → link target for anon inodes the library creates: anon_inode:bpf-map, bpf-prog, bpf_link, bpf_iter, btf, [perf_event].</summary>
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
