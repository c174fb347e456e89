using SideEye.GoRuntime;
using SideEye.GoRuntime.Processes;
using SideEye.Interactive.Directives;
using SideEye.Interactive.Formatters;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;

namespace SideEye.Interactive.Subcommands;

/// <summary>
/// #!sideeye capture and #!sideeye spec: edit, show, load and save the capture spec the session's snapshots use.
/// Every edit is saved at once to the spec file next to the notebook, and an expression that does not fit the
/// binary of a running process of that program is refused before it is saved.
/// </summary>
static class SpecEditing
{
    public static SpecView Capture(NotebookSession session, CaptureCommand command, IReadOnlyList<string> words)
    {
        var positional = SubmittedText.Positional(words, new HashSet<string> { "--exe" });
        if (positional.Count == 0)
            throw new SideEyeException("capture needs FUNC EXPR… (e.g. #!sideeye capture main.worker len(cache.items) jobs --exe demo)");
        var function = positional[0];
        var expressions = positional.Skip(1).SelectMany(w => CaptureArgument.Split(w, $"capture {function}")).Distinct(StringComparer.Ordinal).ToArray();
        var spec = session.Spec;
        var exe = command.Exe ?? (spec.Programs.Count == 1 ? spec.Programs[0].Binary
            : throw new SideEyeException(spec.Programs.Count == 0
                ? "capture needs --exe NAME the first time: the file name of the program's executable"
                : $"capture needs --exe NAME: the spec has {string.Join(", ", spec.Programs.Select(p => p.Binary))}"));
        CaptureSpec edited;
        if (command.Remove)
        {
            var captured = spec.Programs.FirstOrDefault(p => p.Binary == exe)?.Functions.FirstOrDefault(f => f.Function == function);
            if (captured is null) throw new SideEyeException($"capture --remove: the spec captures nothing in {function} of {exe}");
            if (expressions.Except(captured.Expressions, StringComparer.Ordinal).FirstOrDefault() is { } missing)
                throw new SideEyeException($"capture --remove: the spec does not capture '{missing}' in {function} of {exe}");
            edited = spec.WithoutCapture(exe, function, expressions);
        }
        else
        {
            if (expressions.Length == 0) throw new SideEyeException($"capture {function}: which expressions? (e.g. #!sideeye capture {function} req.ID len(items))");
            edited = spec.WithCapture(exe, function, expressions);
        }
        var (checks, against) = Check(session, edited, exe);
        if (!command.Remove && checks?.FirstOrDefault(c => c.Error is not null && c.Function == function && expressions.Contains(c.Expression)) is { } bad)
            throw new SideEyeException($"{bad.Error} (checked against {against}; the spec is unchanged)");
        session.SaveSpec(edited);
        return new SpecView(edited, session.SpecPath, checks, against);
    }

    public static SpecView Spec(NotebookSession session, IReadOnlyList<string> words)
    {
        var positional = SubmittedText.Positional(words, new HashSet<string>());
        var action = positional.Count > 0 ? positional[0] : "show";
        string File() => positional.Count == 2 ? positional[1] : throw new SideEyeException($"spec {action} needs one FILE");
        switch (action)
        {
            case "show" when positional.Count == 1 || positional.Count == 0:
                break;
            case "load":
                session.LoadSpec(File());
                break;
            case "save":
                session.SaveSpec(session.Spec, File());
                break;
            default:
                throw new SideEyeException(positional.Count > 1 && action == "show" ? "spec show takes no FILE" : $"spec: unknown action '{action}' (known: show, load FILE, save FILE)");
        }
        var spec = session.Spec;
        var (checks, against) = spec.Programs.Count == 1 ? Check(session, spec, spec.Programs[0].Binary) : (null, null);
        return new SpecView(spec, session.SpecPath, checks, against);
    }

    /// <summary>Every capture of a program checked against the binary of a process running it, when there is one.</summary>
    static (IReadOnlyList<SpecCheckLine>? Checks, string? Against) Check(NotebookSession session, CaptureSpec spec, string exe)
    {
        if (spec.Programs.FirstOrDefault(p => p.Binary == exe) is not { } program) return (null, null);
        var machine = session.Machine(null);
        var process = machine.ListAsync().GetAwaiter().GetResult().FirstOrDefault(p => program.Matches(p.Exe));
        if (process is null) return (null, null);
        GoBinary binary;
        try { binary = machine.OpenBinaryAsync(process).GetAwaiter().GetResult(); }
        catch (SideEyeException) { return (null, null); } // gone since it was listed, or unreadable: nothing to check against
        return (SpecCheck.Check(program, binary), $"{exe} (pid {process.Pid} on {machine.Host}, {process.GoVersion})");
    }
}
