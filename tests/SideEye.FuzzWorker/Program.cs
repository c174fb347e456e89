using System.Diagnostics;
using System.Text.Json;
using SideEye.Cli;
using SideEye.Testing.Fuzzing;

// For each path on standard input, runs `sideeye inspect PATH --json` in this process (the CLI's own code, its error
// handling included) and answers with one WorkerReply line. Any exception that escapes the command is a defect and is
// reported with its stack, never rethrown: the campaign decides.
string? path;
while ((path = Console.In.ReadLine()) is not null)
{
    // Peak memory per file: collect what the last file left, then restart the kernel's high-water mark from here.
    GC.Collect();
    GC.WaitForPendingFinalizers();
    File.WriteAllText("/proc/self/clear_refs", "5");
    var stdout = new StringWriter();
    var stderr = new StringWriter { NewLine = "\n" };
    string? exception = null;
    var exitCode = -1;
    var watch = Stopwatch.StartNew();
    try
    {
        exitCode = CliApp.Run(["inspect", path, "--json"], stdout, stderr, TextReader.Null);
    }
#pragma warning disable CA1031 // Every exception is caught on purpose: its type is what the campaign judges.
    catch (Exception e)
#pragma warning restore CA1031
    {
        exception = e.ToString();
    }
    watch.Stop();
    var reply = new WorkerReply(exitCode, stderr.ToString(), exception, watch.Elapsed.TotalMilliseconds, PeakRssBytes());
    Console.Out.WriteLine(JsonSerializer.Serialize(reply));
    Console.Out.Flush();
}
return 0;

// VmHWM in /proc/self/status: the most resident memory since the last reset, in kB.
static long PeakRssBytes() =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))[6..].Trim().Split(' ')[0],
        System.Globalization.CultureInfo.InvariantCulture) * 1024;
