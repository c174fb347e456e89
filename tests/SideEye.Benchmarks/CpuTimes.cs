using System.Globalization;

namespace SideEye.Benchmarks;

/// <summary>
/// CPU time spent by groups of processes since this was made, from every thread's /proc/PID/task/TID/schedstat
/// (nanoseconds on a CPU, unlike /proc/PID/stat's clock ticks): where a fleet's snapshot spends a small machine's CPUs.
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
            return Directory.EnumerateDirectories($"/proc/{pid}/task").Sum(task =>
            {
                try { return long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture) / 1e6; }
                catch (IOException) { return 0; } // a thread that ended meanwhile
            });
        }
        catch (IOException) { return 0; }
    });
}
