using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;

namespace SideEye.Interactive.Directives;

/// <summary>
/// The text a directive command came from: the framework splits a cell into one command per directive and keeps
/// only what it could bind, so the line checks and the subcommands that take words read the submission itself.
/// </summary>
static class SubmittedText
{
    /// <summary>How many lines of each submission's subcommand have been handled: commands run in the order of their lines.</summary>
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SubmitCode, Dictionary<string, int>> Handled = [];

    /// <summary>The words after the subcommand on the line this command came from.</summary>
    public static IReadOnlyList<string> WordsOf(KernelActionDirective root, KernelCommand command, string subcommand)
    {
        var submit = SubmittedCommand(command) ?? throw new SideEyeException($"{subcommand}: the submitted text is not available");
        var lines = DirectiveLineCheck.Invocations(root, submit.Code, subcommand);
        var handled = Handled.GetOrCreateValue(submit);
        lock (handled)
        {
            var index = handled.GetValueOrDefault(subcommand);
            handled[subcommand] = index + 1;
            return index < lines.Count ? lines[index] : throw new SideEyeException($"{subcommand}: cannot find its line in the submitted text");
        }
    }

    /// <summary>The line (untouched) this command came from, for subcommands whose text goes on verbatim (SQL after " = ").</summary>
    public static string LineOf(KernelActionDirective root, KernelCommand command, string subcommand)
    {
        var submit = SubmittedCommand(command) ?? throw new SideEyeException($"{subcommand}: the submitted text is not available");
        var lines = submit.Code.Split('\n').Where(raw => DirectiveLineCheck.Words(raw.Trim()) is { Count: >= 2 } w && w[0] == root.Name && w[1] == subcommand).ToArray();
        var handled = Handled.GetOrCreateValue(submit);
        lock (handled)
        {
            // WordsOf counted this line already: the same index, less one.
            var index = handled.GetValueOrDefault(subcommand) - 1;
            return index >= 0 && index < lines.Length ? lines[index].Trim() : throw new SideEyeException($"{subcommand}: cannot find its line in the submitted text");
        }
    }

    /// <summary>
    /// The values of a repeatable option among a line's words (--where a=1 --where b=2): the framework binds one
    /// occurrence at most, so they are read from the line.
    /// </summary>
    public static IReadOnlyList<string> Values(IReadOnlyList<string> words, string option)
    {
        var values = new List<string>();
        for (var i = 0; i + 1 < words.Count; i++)
            if (words[i] == option) values.Add(words[++i]);
        return values;
    }

    /// <summary>
    /// A line's words that are neither options nor the values of <paramref name="valued"/> options (flags take none),
    /// up to <paramref name="stopAt"/> when given (the " = " before verbatim SQL).
    /// </summary>
    public static List<string> Positional(IReadOnlyList<string> words, IReadOnlySet<string> valued, string? stopAt = null)
    {
        var positional = new List<string>();
        for (var i = 0; i < words.Count && words[i] != stopAt; i++)
        {
            if (valued.Contains(words[i])) { i++; continue; }
            if (words[i].StartsWith("--", StringComparison.Ordinal)) continue;
            positional.Add(words[i]);
        }
        return positional;
    }

    /// <summary>The code of the submission this directive came from (the framework splits a cell into one command per directive).</summary>
    public static string? Submitted(KernelCommand command) => SubmittedCommand(command)?.Code;

    static SubmitCode? SubmittedCommand(KernelCommand command)
    {
        for (var c = command.Parent; c is not null; c = c.Parent)
            if (c is SubmitCode submit) return submit;
        return null;
    }
}
