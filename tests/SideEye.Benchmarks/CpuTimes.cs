using System.Globalization;

namespace SideEye.Benchmarks;

/// <summary>
/// CPU time spent by groups of processes since this was made, from /proc/PID/stat (user and system time in clock
/// ticks, 10 ms here, threads that have ended included): where a fleet's snapshot spends a small machine's CPUs.
/// Coarse for one snapshot; averaged over several it is not.
/// </summary>
sealed class CpuTimes
{
    readonly int[] _agents, _targets;
    readonly double _agentsMs, _targetsMs, _clientMs;

    public CpuTimes(IEnumerable<int> agents, IEnumerable<int> targets)
    {
        _agents = agents.ToArray();
        _targets = targets.ToArray();
        (_agentsMs, _targetsMs, _clientMs) = (Ms(_agents), Ms(_targets), Ms([Environment.ProcessId]));
    }

    /// <summary>Milliseconds on a CPU since this was made: the agents, their targets, this process.</summary>
    public (double Agents, double Targets, double Client) Since() =>
        (Ms(_agents) - _agentsMs, Ms(_targets) - _targetsMs, Ms([Environment.ProcessId]) - _clientMs);

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
