namespace SideEye.GoRuntime.Processes;

/// <summary>The Go processes on this machine now, for a one-off listing (<see cref="GoProcessScanner"/> keeps what it learns between scans).</summary>
public static class GoProcesses
{
    public static IReadOnlyList<GoProcessInfo> List() => new GoProcessScanner().List();
}
