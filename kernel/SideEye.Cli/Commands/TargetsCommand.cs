using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SideEye.Cli.Text;
using SideEye.GoRuntime.Processes;
using SideEye.Snapshots.Collection;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye targets [--agent URL] [--json]: the Go processes on this machine, or on the agent's (as the notebook's
/// #!sideeye targets), as an aligned table or one JSON object a line. The goroutine count is the runtime's allglen
/// (dead goroutines kept for reuse included), empty or null when the process's memory cannot be read.
/// </summary>
public static class TargetsCommand
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    sealed record TargetLine(int Pid, int? NamespacePid, string Exe, string GoVersion, double UptimeSeconds, long? Goroutines, string BuildId,
        IReadOnlyList<string> CommandLine, string? Refused);

    public static Command Create(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "print one JSON object a line instead of a table" };
        var agent = new AgentClientOptions();
        var command = new Command("targets", "list the Go processes on this machine (or an agent's): pid, Go version, uptime, goroutines, executable") { json };
        agent.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            using var connection = agent.Connect(parse);
            using ISnapshotter machine = connection is null ? new LocalSnapshotter() : new RemoteSnapshotter(connection);
            var processes = await machine.ListAsync(null, cancellation: cancellation);
            if (parse.GetValue(json))
            {
                foreach (var p in processes)
                    stdout.WriteLine(JsonSerializer.Serialize(new TargetLine(p.Pid, p.NamespacePid, p.Exe, p.GoVersion, Math.Round(p.Uptime.TotalSeconds, 2),
                        p.Goroutines, p.BuildId, p.CommandLine, p.Refused), Json));
            }
            else if (processes.Count == 0)
            {
                stdout.WriteLine(connection is null ? "no Go processes found (processes of other users need root)" : $"agent {connection.Address} sees no Go processes");
            }
            else
            {
                WriteTable(stdout, ["pid", "go", "uptime", "goroutines", "executable"], processes.Select(p => new[]
                {
                    p.NamespacePid is { } inner ? $"{p.Pid} ({inner})" : p.Pid.ToString(CultureInfo.InvariantCulture),
                    p.GoVersion, Durations.Short(p.Uptime),
                    p.Goroutines?.ToString(CultureInfo.InvariantCulture) ?? "", p.Exe + (p.Refused is null ? "" : "  [not allowed by the agent's policy]"),
                }).ToArray());
            }
            return 0;
        });
        return command;
    }

    /// <summary>Columns padded to their widest cell, numbers right-aligned, the last column (the executable) as is.</summary>
    static void WriteTable(TextWriter o, string[] header, string[][] rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        bool[] right = [true, false, true, true, false];
        foreach (var row in rows.Prepend(header))
            o.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : right[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))));
    }
}
