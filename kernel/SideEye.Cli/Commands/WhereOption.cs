using System.CommandLine;

namespace SideEye.Cli.Commands;

/// <summary>--where, repeatable: selectors on the processes' labels that must all hold (<see cref="SideEye.Snapshots.Selection.Selector"/>).</summary>
static class WhereOption
{
    public static Option<string[]> Create() => new("--where")
    {
        Description = "only processes whose label matches: KEY=VALUE, KEY!=VALUE, KEY~REGEX or KEY!~REGEX (keys: host, hostname, pid, program, " +
                      "environment, exe, go_version, cgroup or a fleet label); repeat to require several",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };
}
