using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SideEye.Cli.Text;
using SideEye.GoRuntime.Processes;
using SideEye.Snapshots.Collection;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye targets [--agent URL | --fleet FILE [--where SELECTOR …]] [--json]: the Go processes on this machine, on
/// the agent's, or on every agent of a fleet with the program and labels its file gives them (as the notebook's
/// #!sideeye targets), as an aligned table or one JSON object a line. The goroutine count is the runtime's allglen
/// (dead goroutines kept for reuse included), empty or null when the process's memory cannot be read. A fleet's agent
/// that cannot be asked is a row with its error, and the exit code says so.
/// </summary>
public static class TargetsCommand
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    sealed record TargetLine(int Pid, int? NamespacePid, string? Cgroup, string Exe, string GoVersion, double UptimeSeconds, long? Goroutines, string BuildId,
        IReadOnlyList<string> CommandLine, string? Refused);

    sealed record FleetTargetLine(string Host, string? Hostname, int? Pid, int? NamespacePid, string? Cgroup, string? Program, string? Environment,
        IReadOnlyDictionary<string, string> Labels, string? Exe, string? GoVersion, double? UptimeSeconds, long? Goroutines, string? BuildId, string? Refused, string? Error);

    public static Command Create(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "print one JSON object a line instead of a table" };
        var agent = new AgentClientOptions();
        var fleet = new FleetClientOptions();
        var command = new Command("targets", "list the Go processes on this machine (or an agent's, or a fleet's): pid, Go version, uptime, goroutines, executable") { json };
        agent.AddTo(command);
        fleet.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            if (fleet.IsFleet(parse)) return await WriteFleet(stdout, parse, agent, fleet, parse.GetValue(json), cancellation);
            fleet.RefuseWhereWithoutFleet(parse);
            using var connection = agent.Connect(parse);
            using ISnapshotter machine = connection is null ? new LocalSnapshotter() : new RemoteSnapshotter(connection);
            var processes = await machine.ListAsync(null, cancellation: cancellation);
            if (parse.GetValue(json))
            {
                foreach (var p in processes)
                    stdout.WriteLine(JsonSerializer.Serialize(new TargetLine(p.Pid, p.NamespacePid, p.Cgroup, p.Exe, p.GoVersion, Math.Round(p.Uptime.TotalSeconds, 2),
                        p.Goroutines, p.BuildId, p.CommandLine, p.Refused), Json));
            }
            else if (processes.Count == 0)
            {
                stdout.WriteLine(connection is null ? "no Go processes found (processes of other users need root)" : $"agent {connection.Address} sees no Go processes");
            }
            else
            {
                // The container column only when some process is in one.
                var cgroups = processes.Any(p => p.Cgroup is not null);
                WriteTable(stdout, ["pid", "go", "uptime", "goroutines", .. (cgroups ? (string[])["cgroup"] : []), "executable"], processes.Select(p => (string[])
                [
                    p.NamespacePid is { } inner ? $"{p.Pid} ({inner})" : p.Pid.ToString(CultureInfo.InvariantCulture),
                    p.GoVersion, Durations.Short(p.Uptime),
                    p.Goroutines?.ToString(CultureInfo.InvariantCulture) ?? "", .. (cgroups ? (string[])[p.Cgroup ?? "/"] : []),
                    p.Exe + (p.Refused is null ? "" : "  [not allowed by the agent's policy]"),
                ]).ToArray());
            }
            return 0;
        });
        return command;
    }

    /// <summary>Every selected process of the fleet, host first, and a row for each agent that could not be asked.</summary>
    static async Task<int> WriteFleet(TextWriter stdout, ParseResult parse, AgentClientOptions agent, FleetClientOptions options, bool json, CancellationToken cancellation)
    {
        var where = options.Where(parse);
        using var fleet = (await options.OpenAsync(parse, agent, null, cancellation))!;
        var targets = await fleet.ListAsync(where, cancellation);
        if (json)
        {
            foreach (var t in targets)
            {
                var p = t.Process;
                stdout.WriteLine(JsonSerializer.Serialize(new FleetTargetLine(t.Host, t.Hostname, p?.Pid, p?.NamespacePid, p?.Cgroup, t.Program, t.Environment,
                    t.Agent.Labels, p?.Exe, p?.GoVersion, p is null ? null : Math.Round(p.Uptime.TotalSeconds, 2),
                    p?.Goroutines, p?.BuildId, p?.Refused, t.Error), Json));
            }
        }
        else if (targets.Count == 0)
        {
            stdout.WriteLine(where.Count == 0 ? $"no Go processes on the fleet's {fleet.Agents.Count} agents" : "no Go process of the fleet matches --where");
        }
        else
        {
            WriteTable(stdout, ["host", "pid", "program", "environment", "labels", "go", "goroutines", "executable"], targets.Select(t => t.Process is not { } p
                ? [t.Host, "", "", t.Environment ?? "", t.StaticLabels, "", "", "error: " + t.Error]
                : new[]
                {
                    t.Host, p.NamespacePid is { } inner ? $"{p.Pid} ({inner})" : p.Pid.ToString(CultureInfo.InvariantCulture), t.Program ?? "", t.Environment ?? "",
                    t.StaticLabels, p.GoVersion, p.Goroutines?.ToString(CultureInfo.InvariantCulture) ?? "",
                    p.Exe + (p.Refused is null ? "" : "  [not allowed by the agent's policy]"),
                }).ToArray(), right: [false, true, false, false, false, false, true, false]);
        }
        return targets.Any(t => t.Error is not null) ? CliApp.ExitError : 0;
    }

    /// <summary>Columns padded to their widest cell, numbers right-aligned, the last column (the executable) as is.</summary>
    static void WriteTable(TextWriter o, string[] header, string[][] rows, bool[]? right = null)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        right ??= [true, false, true, true, false];
        foreach (var row in rows.Prepend(header))
            o.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : right[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))));
    }
}
