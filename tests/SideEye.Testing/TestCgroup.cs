using System.Globalization;

namespace SideEye.Testing;

/// <summary>
/// A control group of the test's own in the unified (v2) hierarchy, as a container runtime would make one: processes are
/// moved in with <see cref="Add"/>, and it is removed (once empty) on dispose. <see cref="Path"/> is how
/// /proc/PID/cgroup names it.
/// </summary>
public sealed class TestCgroup : IDisposable
{
    readonly string _directory;

    public string Path { get; }

    TestCgroup(string directory, string path)
    {
        _directory = directory;
        Path = path;
    }

    public static TestCgroup Create()
    {
        // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS … - FSTYPE SOURCE SUPER
        var unified = File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' '))
            .FirstOrDefault(f => Array.IndexOf(f, "-") is var dash and > 0 && f[dash + 1] == "cgroup2")
            ?? throw new InvalidOperationException("no cgroup2 (unified) hierarchy is mounted");
        var name = $"sideeye-test-{Guid.NewGuid():N}";
        var directory = System.IO.Path.Combine(unified[4], name);
        Directory.CreateDirectory(directory);
        return new TestCgroup(directory, (unified[3] == "/" ? "" : unified[3]) + "/" + name);
    }

    /// <summary>Moves the process (all its threads) into this group.</summary>
    public void Add(int pid) => File.WriteAllText(System.IO.Path.Combine(_directory, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    public void Dispose()
    {
        // A group can be removed only once its processes have gone (exited, or moved back by the kernel when they die).
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                Directory.Delete(_directory);
                return;
            }
            catch (IOException) { Thread.Sleep(25); }
        }
    }
}
