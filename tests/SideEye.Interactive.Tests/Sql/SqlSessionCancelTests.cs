using System.Diagnostics;
using SideEye.Interactive.Sql;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>
/// A cell cancelled before its query starts (it waited for the connection, or the cancel came in the instant before)
/// stops too: DuckDB forgets an interrupt that precedes the query, and a forgotten one let a cross product of a
/// trillion rows run on in the kernel.
/// </summary>
public sealed class SqlSessionCancelTests
{
    const string Hours = "SELECT count(*) FROM range(1000000000000) a, goroutines g";

    [Fact]
    public async Task A_query_cancelled_before_it_starts_does_not_run()
    {
        using var store = new SqlStoreFile();
        using var session = new SqlSession();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var clock = Stopwatch.StartNew();
        // Bounded: were the interrupt forgotten, the query would run for hours.
        var ran = Task.Run(() => session.Run(store.Path, Hours, 10, keepAll: false, cancelled.Token));
        var ended = await Assert.ThrowsAnyAsync<Exception>(() => ran.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.IsAssignableFrom<OperationCanceledException>(ended);
        // The session is usable at once afterwards, and the file let go.
        Assert.Equal(1L, session.Run(store.Path, "SELECT count(*) FROM snapshots", 10, keepAll: false, CancellationToken.None)[0].Rows[0][0]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_query_cancelled_while_it_runs_stops()
    {
        using var store = new SqlStoreFile();
        using var session = new SqlSession();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var running = Task.Run(() => session.Run(store.Path, Hours, 10, keepAll: false, cancel.Token));
        var ended = await Assert.ThrowsAnyAsync<Exception>(() => running.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.IsNotType<TimeoutException>(ended);
    }
}
