using SideEye.GoRuntime.Layouts;

namespace SideEye.GoRuntime.Goroutines;

/// <summary>The status words runtime.Stack prints in a goroutine header ("chan receive", "running", …).</summary>
public static class GoroutineDescriber
{
    /// <summary>
    /// Like the runtime's goroutineheader: the status name with the scan bit dropped, replaced by the wait
    /// reason when the goroutine is waiting for a reason.
    /// </summary>
    public static string Status(GoroutineState g, GoRuntimeModel model)
    {
        var bare = g.Status & ~model.Statuses.ScanBit;
        if (bare == model.Statuses.Waiting && g.WaitReason != 0) return model.WaitReasons.Describe(g.WaitReason);
        return model.Statuses.Describe(bare);
    }

    /// <summary>The wait reason, for goroutines that wait; null otherwise.</summary>
    public static string? WaitReason(GoroutineState g, GoRuntimeModel model) =>
        (g.Status & ~model.Statuses.ScanBit) == model.Statuses.Waiting && g.WaitReason != 0 ? model.WaitReasons.Describe(g.WaitReason) : null;
}
