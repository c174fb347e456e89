using SideEye.Bpf.Asm;

namespace SideEye.Agent.Security;

/// <summary>
/// The kernel helpers a job's program may call: exactly those the snapshot generator uses, all of which only read
/// (user memory, the clock, maps) or write into the program's own maps. Anything else is refused, with its name
/// when it is one of the helpers that change a process or the system.
/// </summary>
public static class ReadOnlyHelpers
{
    public static IReadOnlySet<BpfHelper> Allowed { get; } = new HashSet<BpfHelper>
    {
        BpfHelper.MapLookupElem,
        BpfHelper.KtimeGetNs,
        BpfHelper.ProbeReadUser,
        // A sleepable probe's retry of a read that missed: the same copy, faulting the page in as the target would.
        BpfHelper.CopyFromUser,
        // The generator copies between its own map buffers with it (a variable-length copy); see the agent README.
        BpfHelper.ProbeReadKernel,
        BpfHelper.RingbufOutput,
        BpfHelper.RingbufQuery,
        BpfHelper.Loop,
    };

    /// <summary>Why a call to helper <paramref name="id"/> is refused, or null when it is allowed.</summary>
    public static string? Refusal(long id) => Enum.IsDefined(typeof(BpfHelper), (int)id) && Allowed.Contains((BpfHelper)id) ? null
        : (BpfHelper)id switch
        {
            BpfHelper.ProbeWriteUser => "calls bpf_probe_write_user, which writes to the target's memory",
            BpfHelper.SendSignal or BpfHelper.SendSignalThread => $"calls {Name(id)}, which sends a signal",
            BpfHelper.OverrideReturn => "calls bpf_override_return, which changes what a function returns",
            _ => $"calls {Name(id)}, which is not one of the read-only helpers a snapshot uses ({string.Join(", ", Allowed.Order().Select(h => Name((long)h)))})",
        };

    static string Name(long id) => Enum.IsDefined(typeof(BpfHelper), (int)id) ? $"helper {id} ({(BpfHelper)id})" : $"helper {id}";
}
