using SideEye.Snapshots.Store;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.Store;

/// <summary>
/// Stores hold other processes' memory: a new store and its write-ahead log are readable by their owner only (or by
/// SIDEEYE_GROUP too), whatever the umask; opening one that others can read warns once per process.
/// </summary>
[Collection(StoreEnvironmentCollection.Name)]
public sealed class StoreFileAccessTests : IDisposable
{
    readonly TempDirectory _dir = new();
    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void A_new_store_and_its_log_are_its_owners_alone_even_under_a_permissive_umask()
    {
        var path = _dir.File("private.duckdb");
        var before = UnixFiles.SetUmask(0);
        try
        {
            using (var store = SnapshotStore.Open(path))
            {
                // The write-ahead log lives beside the file while the store is open.
                store.Append(SyntheticSnapshot.Make(processes: 1, goroutinesPerProcess: 10, distinctStacks: 2, depth: 3));
                Assert.Null(store.Warning);
                Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
                if (File.Exists(path + ".wal")) Assert.Equal(OwnerOnly, File.GetUnixFileMode(path + ".wal"));
            }
            // Writing left the process's umask as it was.
            Assert.Equal(0u, UnixFiles.SetUmask(0));
        }
        finally
        {
            UnixFiles.SetUmask(before);
        }
    }

    [Fact]
    public void Opening_a_store_others_can_read_warns_once()
    {
        var path = _dir.File("shared.duckdb");
        using (SnapshotStore.Open(path)) { }
        File.SetUnixFileMode(path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using (var store = SnapshotStore.Open(path))
            Assert.Equal($"{path} is readable by other users (mode 0644), and snapshots hold other processes' memory: chmod 600 {path}", store.Warning);
        using (var again = SnapshotStore.Open(path))
            Assert.Null(again.Warning);
    }

    [Fact]
    [Trait("Category", "Privileged")]
    public void With_SIDEEYE_GROUP_a_new_store_is_the_groups_to_read()
    {
        Requires.Root();
        var path = _dir.File("group.duckdb");
        Environment.SetEnvironmentVariable("SIDEEYE_GROUP", "nogroup");
        try
        {
            using (var store = SnapshotStore.Open(path)) Assert.Null(store.Warning);
            Assert.Equal(OwnerOnly | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
            Assert.Equal("65534", Stat(path));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SIDEEYE_GROUP", null);
        }
    }

    static string Stat(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%g", path]) { RedirectStandardOutput = true })!;
        var group = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return group;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>Tests that change the process's umask or environment run on their own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StoreEnvironmentCollection
{
    public const string Name = "StoreEnvironment";
}
