using System.Globalization;

namespace SideEye.Benchmarks;

/// <summary>
/// CPU time spent by groups of processes since this was made, from /proc/PID/stat (user and system time in clock
/// ticks, 10 ms here, threads that have ended included): where a fleet's snapshot spends a small machine's CPUs.
/// Coarse for one snapshot; summed over several it is not.
/// </summary>
sealed class CpuTimes(IEnumerable<int> agents, IEnumerable<int> targets)
{
    readonly int[] _agents = agents.ToArray(), _targets = targets.ToArray();

    /// <summary>Milliseconds on a CPU within every <see cref="Measure"/> since the last <see cref="Reset"/>: the agents, their targets, this process.</summary>
    public (double Agents, double Targets, double Client) Total { get; private set; }

    public void Reset() => Total = default;

    /// <summary>Counts what is spent until the result is disposed (the snapshot itself, not the forced collections between them).</summary>
    public IDisposable Measure()
    {
        var before = Now();
        return new Scope(() =>
        {
            var after = Now();
            Total = (Total.Agents + after.Agents - before.Agents, Total.Targets + after.Targets - before.Targets, Total.Client + after.Client - before.Client);
        });
    }

    (double Agents, double Targets, double Client) Now() => (Ms(_agents), Ms(_targets), Ms([Environment.ProcessId]));

    sealed class Scope(Action end) : IDisposable
    {
        public void Dispose() => end();
    }

    static double Ms(IEnumerable<int> pids) => pids.Sum(pid =>
    {
        try
        {
            // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 1000.0 / TicksPerSecond;
        }
        catch (IOException) { return 0; }
    });

    // sysconf(_SC_CLK_TCK) is 100 on every Linux this runs on.
    const double TicksPerSecond = 100;
}
