using SideEye.Bpf;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Loader.Contract.Wire;

/// <summary>The verifier's statistics for a program an agent loaded (or refused), as the client reports them.</summary>
public static class VerifierStatsWire
{
    public static M.VerifierStats ToMessage(VerifierStats stats)
    {
        var m = new M.VerifierStats
        {
            ProcessedInstructions = stats.ProcessedInstructions,
            InstructionLimit = stats.InstructionLimit,
            MaxStatesPerInstruction = stats.MaxStatesPerInstruction,
            TotalStates = stats.TotalStates,
            PeakStates = stats.PeakStates,
        };
        if (stats.VerificationTime is { } time) m.VerificationTimeNs = time.Ticks * 100;
        m.StackDepths.AddRange(stats.StackDepths);
        return m;
    }

    public static VerifierStats? FromMessage(M.VerifierStats? m) => m is null ? null : new VerifierStats(
        m.ProcessedInstructions, m.InstructionLimit, m.MaxStatesPerInstruction, m.TotalStates, m.PeakStates,
        m.HasVerificationTimeNs ? TimeSpan.FromTicks(m.VerificationTimeNs / 100) : null, m.StackDepths.ToArray());
}
