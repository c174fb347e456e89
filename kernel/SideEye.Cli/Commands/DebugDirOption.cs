using System.CommandLine;
using SideEye.Binary.DebugInfo;

namespace SideEye.Cli.Commands;

/// <summary>--debug-dir, repeatable: where a stripped executable's separate debug file is looked for, before SIDEEYE_DEBUG_DIRS and /usr/lib/debug.</summary>
static class DebugDirOption
{
    public static Option<string[]> Create() => new("--debug-dir")
    {
        Description = "directory of separate debug files (.build-id/xx/rest.debug, debuglink targets), searched before SIDEEYE_DEBUG_DIRS and " +
                      "/usr/lib/debug; debuginfod servers come from DEBUGINFOD_URLS; repeat for several",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>The places to look, from the option and the environment.</summary>
    public static DebugInfoSources Sources(ParseResult parse, Option<string[]> option) =>
        DebugInfoSources.FromEnvironment((parse.GetValue(option) ?? []).Select(Path.GetFullPath));
}
