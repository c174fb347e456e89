using SideEye.Interactive.Formatters;
using SideEye.Testing;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>
/// SQL cells over a real snapshot of testdata/parked, taken through #!sideeye snapshot: the goroutines parked in
/// main.idle are the ones the program's own runtime.Stack dump lists, and a C# cell receives exactly those.
/// </summary>
[Collection(PrivilegedExtensionCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class SqlLiveTests
{
    const int Idle = 30;

    [Fact]
    public async Task A_sql_cell_over_a_live_snapshot_finds_the_idle_goroutines_and_hands_them_to_csharp()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: Idle);
        var idleInDump = GoroutineDump.ParseFile(parked.DumpPath).Where(g => g.HasFrame("main.idle")).Select(g => g.Goid).Order().ToArray();
        Assert.Equal(Idle, idleInDump.Length);
        using var store = new TempFile();
        using var notebook = new SqlNotebook();
        var (first, _) = ExtensionKernel.Returned<SnapshotSummary>(await notebook.SubmitAsync($"#!sideeye snapshot --pid {parked.Pid} --db {store.Path}"));
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");

        var (idle, html, _) = await notebook.TableAsync($"""
            #!sideeye-sql --name idle
            SELECT g.goid, g.wait_reason, s.depth AS idle_depth
            FROM goroutines g JOIN stacks s USING (snapshot_id, stack_id)
            WHERE g.pid = {parked.Pid} AND s.func = 'main.idle'
            ORDER BY g.goid
            """);
        Assert.Equal(Idle, idle.RowCount);
        Assert.Equal(idleInDump, idle.Rows.Select(r => (long)r[0]!));
        Assert.All(idle.Rows, r => Assert.Equal("chan receive", r[1]));
        // Every one waits in the same place, under the same runtime frames.
        Assert.Single(idle.Rows.Select(r => r[2]).Distinct());
        Assert.Contains($"<td class=\"num\">{idleInDump[0]}</td><td>chan receive</td>", html, StringComparison.Ordinal);

        var received = await notebook.ValueAsync("""
            #!share --from sideeye-sql idle
            idle.Data.Cast<IReadOnlyDictionary<string, object>>().Select(row => (long)row["goid"]).ToArray()
            """);
        Assert.Equal(idleInDump, (long[])received!);

        // The SQL cell left the file closed: a second snapshot appends to it, and the next cell sees both.
        Assert.Equal(0, SqlStoreFile.OpenDescriptorsOn(store.Path));
        var (second, _) = ExtensionKernel.Returned<SnapshotSummary>(await notebook.SubmitAsync($"#!sideeye snapshot --pid {parked.Pid} --db {store.Path}"));
        var (counts, _, _) = await notebook.TableAsync($"""
            #!sideeye-sql
            SELECT snapshot_id, count(*) AS goroutines FROM goroutines WHERE pid = {parked.Pid} GROUP BY ALL ORDER BY snapshot_id
            """);
        Assert.Equal(
            [[first.Snapshot.SnapshotId, (long)first.Snapshot.Processes[0].Goroutines.Count], [second.Snapshot.SnapshotId, (long)second.Snapshot.Processes[0].Goroutines.Count]],
            counts.Rows);
    }
}
