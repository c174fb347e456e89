using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>
/// A real snapshot store, written by <see cref="SnapshotStore"/>, of one made-up process: <see cref="Waiting"/>
/// goroutines parked in main.idle, one running in main.work with pprof labels, and captures of main.idle's
/// "req" (a JSON object longer than a table cell, or unavailable) in two of them.
/// </summary>
sealed class SqlStoreFile : IDisposable
{
    public const int Pid = 4242;
    public const int Waiting = 7;
    public const string LongJson = """{"Method":"GET","URL":{"Path":"/api/v1/goroutines/waiting/for/a/long/time","RawQuery":"limit=1000&offset=0"},"Header":{"Accept":["application/json"]},"ContentLength":0}""";

    readonly TempFile _temp = new();

    public string Path => _temp.Path;

    public SqlStoreFile(int snapshots = 1)
    {
        using var store = SnapshotStore.Open(Path);
        for (var s = 0; s < snapshots; s++) store.Append(Snapshot(s));
    }

    /// <summary>Snapshot <paramref name="index"/> (0-based) has <see cref="Waiting"/> + index waiting goroutines.</summary>
    public static Snapshot Snapshot(int index)
    {
        StackFrame[] idle = [new(0x401000, "main.idle", "/src/app/main.go", 42, false), new(0x401100, "main.main", "/src/app/main.go", 10, false)];
        StackFrame[] work = [new(0x402000, "main.work", "/src/app/main.go", 77, false)];
        var goroutines = new List<GoroutineRecord>();
        for (var g = 1; g <= Waiting + index; g++)
            goroutines.Add(new GoroutineRecord(g, "waiting", "chan receive", 1_000 * g, null, 1, "main.main", "main.idle", idle, null));
        goroutines.Add(new GoroutineRecord(100, "running", null, null, 12345, null, null, "main.work", work,
            new Dictionary<string, string> { ["worker"] = "7", ["path"] = "" }));
        CapturedValue[] captures =
        [
            new(1, 0, "main.idle", "req", "*main.Request", LongJson, null),
            new(2, 0, "main.idle", "req", "*main.Request", null, "optimized away"),
        ];
        var process = new ProcessSnapshot(Pid, "host", "/usr/bin/app", "go1.26.0", 1_500, 900, false, null, goroutines, Captures: captures);
        return new Snapshot(0, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddMinutes(index).AddTicks(1234560), index == 0 ? "first" : null, [process]);
    }

    /// <summary>Open file descriptors of this process on the store (or its WAL).</summary>
    public int OpenDescriptors() => OpenDescriptorsOn(Path);

    public static int OpenDescriptorsOn(string path) =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd =>
        {
            try { return fd.LinkTarget is { } target && target.StartsWith(path, StringComparison.Ordinal); }
            catch (IOException) { return false; } // closed while listed
        });

    public void Dispose() => _temp.Dispose();
}
