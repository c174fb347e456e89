namespace SideEye.Snapshots.Analysis;

/// <summary>How long a stored goroutine had waited when its snapshot was taken: the one rule the readers share.</summary>
static class Waits
{
    /// <summary>
    /// SQL over goroutines <c>g</c> joined with their processes <c>p</c>: the process's clock at the probe minus
    /// the goroutine's wait start (both Go's nanotime), NULL when the runtime stamped none or the store has no clock.
    /// </summary>
    public const string WaitedNsSql = "CASE WHEN g.wait_since_ns > 0 AND p.monotonic_ns >= g.wait_since_ns THEN p.monotonic_ns - g.wait_since_ns END";

    public static TimeSpan FromNs(long ns) => TimeSpan.FromTicks(ns / 100);
}
