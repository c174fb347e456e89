using System.Globalization;

namespace SideEye.Testing;

/// <summary>
/// A PID namespace a test made (an agent started under <c>unshare --pid --fork --mount-proc</c>), known by a process
/// in it: programs are started inside with <see cref="Enter"/> (nsenter into its PID and mount namespaces, so they
/// see its /proc), and a pid as the namespace numbers it is found in this test's own namespace with
/// <see cref="HostPid"/> (for local snapshots and signals).
/// </summary>
public sealed class PidNamespace(int memberHostPid)
{
    /// <summary>A process inside, by its pid in the test's namespace.</summary>
    public int MemberHostPid { get; } = memberHostPid;

    /// <summary>The namespace's identity: the pid namespace link of its member.</summary>
    public string Id { get; } = new FileInfo($"/proc/{memberHostPid}/ns/pid").LinkTarget ?? throw new InvalidOperationException($"process {memberHostPid} is gone");

    /// <summary>The command prefix that runs a program inside the namespace.</summary>
    public IReadOnlyList<string> Enter => ["nsenter", "--target", MemberHostPid.ToString(CultureInfo.InvariantCulture), "--pid", "--mount", "--"];

    /// <summary>The test's pid for the process the namespace numbers <paramref name="pid"/> (NSpid's second entry), waiting briefly for it to appear.</summary>
    public int HostPid(int pid)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var host)) continue;
                try
                {
                    if (new FileInfo($"{dir}/ns/pid").LinkTarget is not { } ns) continue;
                    var nspid = File.ReadLines($"{dir}/status").FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
                    var ids = nspid?["NSpid:".Length..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries) ?? [];
                    // Directly in this namespace, or in one nested inside it: the second entry is this namespace's number.
                    if (ids.Length >= 2 && ids[1] == pid.ToString(CultureInfo.InvariantCulture) && (ns == Id || ids.Length > 2)) return host;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
            Thread.Sleep(10);
        }
        throw new InvalidOperationException($"no process numbered {pid} in PID namespace {Id}");
    }
}
