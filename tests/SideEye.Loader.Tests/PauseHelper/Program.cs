using SideEye.Loader.Pause;

// pause-helper PID MODE: pauses PID for up to a minute, prints "paused N", then
//   kill   sleeps until the test SIGKILLs it;
//   term   sleeps until the test sends SIGTERM (.NET 10 raises no ProcessExit for it; SideEye registers a handler);
//   throw  throws an unhandled exception on another thread once it reads a line from stdin;
//   try    (no pause kept) prints "paused N", or "refused MESSAGE" when ProcessPause refuses, and exits;
//   exe    (no pause) reads /proc/PID/exe as a snapshot does and prints "exe PATH", or "refused REASON" with
//          AccessDenial's explanation when the kernel refuses, and exits;
//   wedge  (PauseWhile, limit and tracer grace 200 ms) blocks the tracer thread in pause(2) for good, and does
//          what a long-running host is advised to do when ProcessPause.Wedged is raised: prints
//          "wedged held=N stopped=M" and exits with code 70.
// Handlers that run after SideEye's own (ProcessExit, UnhandledException, SIGTERM) print "hook paused=BOOL",
// which shows whether SideEye's hook had resumed the target by then.
var pid = int.Parse(args[0]);
var mode = args[1];
if (mode == "try")
{
    try
    {
        using var tried = ProcessPause.Pause(pid, TimeSpan.FromSeconds(5));
        Console.WriteLine($"paused {tried.Threads.Count}");
        return 0;
    }
    catch (SideEye.Loader.TargetProcessException e)
    {
        Console.WriteLine($"refused {e.Message}");
        return 3;
    }
}
if (mode == "exe")
{
    try
    {
        Console.WriteLine($"exe {File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName}");
        return 0;
    }
    catch (UnauthorizedAccessException)
    {
        Console.WriteLine($"refused {SideEye.Loader.Privileges.AccessDenial.Explain(pid, SideEye.Loader.Privileges.TargetAccess.Inspect)}");
        return 3;
    }
}
if (mode == "wedge")
{
    ProcessPause.Wedged += (_, e) =>
    {
        Console.WriteLine($"wedged held={e.ThreadsHeld} stopped={e.ThreadsStopped}");
        Environment.Exit(70);
    };
    var limit = TimeSpan.FromMilliseconds(200);
    ProcessPause.PauseWhile<int>(pid, limit, p =>
    {
        Console.WriteLine($"paused {p.Threads.Count}");
        while (true) Pause();
    }, tracerGrace: limit);
    Console.WriteLine("PauseWhile returned without raising Wedged");
    return 1;
}
ProcessPause? pause = null;
// .NET runs a signal's handlers newest first: registered before the pause, this one runs after SideEye's.
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => Console.WriteLine($"hook paused={pause?.IsPaused}"));
pause = ProcessPause.Pause(pid, TimeSpan.FromMinutes(1));
AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.WriteLine($"hook paused={pause.IsPaused}");
AppDomain.CurrentDomain.UnhandledException += (_, _) => Console.WriteLine($"hook paused={pause.IsPaused}");
Console.WriteLine($"paused {pause.Threads.Count}");
switch (mode)
{
    case "kill":
    case "term":
        Thread.Sleep(Timeout.Infinite);
        break;
    case "throw":
        Console.ReadLine();
        var t = new Thread(() => throw new InvalidOperationException("pause-helper: deliberate crash"));
        t.Start();
        t.Join();
        break;
    default:
        throw new ArgumentException($"unknown mode {mode}");
}

return 0;

[System.Runtime.InteropServices.DllImport("libc", EntryPoint = "pause")]
static extern int Pause();
