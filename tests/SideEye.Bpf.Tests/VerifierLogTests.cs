namespace SideEye.Bpf.Tests;

/// <summary>The one-line summary, on verifier logs captured from real failures on Linux 6.18 (no kernel needed).</summary>
public sealed class VerifierLogTests
{
    static string[] Log(string name) => File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "testdata", name));

    [Fact]
    public void Uninitialised_register_names_the_instruction_and_the_reason()
    {
        var e = new VerifierException("uninit", 13, Log("uninit-register.log"));
        Assert.Equal("0: (bf) r0 = r2: R2 !read_ok (2 more lines)", VerifierException.Summarize(e.Log));
        Assert.Equal("load program 'uninit': verifier rejected it (EACCES): 0: (bf) r0 = r2: R2 !read_ok (2 more lines)", e.Message);
        Assert.Equal(4, e.Log.Count);
        Assert.Equal(0, e.InstructionIndex);
    }

    [Fact]
    public void Instruction_index_is_the_last_instruction_printed()
    {
        Assert.Equal(1, new VerifierException("loop", 22, Log("infinite-loop.log")).InstructionIndex);
        Assert.Null(new VerifierException("x", 22, ["unreachable insn 3"]).InstructionIndex);
    }

    [Fact]
    public void Infinite_loop_skips_the_trailing_state_dump()
    {
        var summary = VerifierException.Summarize(Log("infinite-loop.log"));
        Assert.Equal("1: (05) goto pc-1: infinite loop detected at insn 1 (11 more lines)", summary);
    }

    [Fact]
    public void Full_log_is_in_ToString_but_not_in_Message()
    {
        var e = new VerifierException("loop", 22, Log("infinite-loop.log"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("cur state: R0=0 R1=ctx() R10=fp0", e.ToString());
        Assert.IsAssignableFrom<SideEyeException>(e);
        Assert.Equal("BPF_PROG_LOAD", e.Command);
    }

    [Fact]
    public void Empty_log_says_so()
    {
        Assert.Equal("empty verifier log", VerifierException.Summarize([]));
        Assert.Equal("empty verifier log", VerifierException.Summarize(["", "processed 0 insns (limit 1000000)"]));
    }

    [Fact]
    public void Single_line_has_no_count()
    {
        Assert.Equal("unreachable insn 3", VerifierException.Summarize(["unreachable insn 3"]));
    }

    [Fact]
    public void Statistics_are_read_from_the_log_tail()
    {
        string[] log =
        [
            "func#0 @0",
            "verification time 1843 usec",
            "stack depth 24+0+0+8",
            "processed 30911 insns (limit 1000000) max_states_per_insn 6 total_states 1930 peak_states 412 mark_read 71",
        ];
        var stats = VerifierStats.Parse(log)!;
        Assert.Equal(30911, stats.ProcessedInstructions);
        Assert.Equal(1_000_000, stats.InstructionLimit);
        Assert.Equal(6, stats.MaxStatesPerInstruction);
        Assert.Equal(1930, stats.TotalStates);
        Assert.Equal(412, stats.PeakStates);
        Assert.Equal(TimeSpan.FromMicroseconds(1843), stats.VerificationTime);
        Assert.Equal([24, 0, 0, 8], stats.StackDepths);
        Assert.Equal(0.030911, stats.LimitShare, 6);
        Assert.Equal("processed 30911 insns (3.09% of the limit 1000000), max 6 states/insn, 1930 states (peak 412), verified in 1.8 ms", stats.ToString());
    }

    [Fact]
    public void A_log_without_statistics_has_none()
    {
        Assert.Null(VerifierStats.Parse(Log("uninit-register.log").Where(l => !l.StartsWith("processed", StringComparison.Ordinal))));
        var refused = new VerifierException("big", 7, ["1691: (27) r2 *= 16", "BPF program is too large. Processed 1000001 insn", "processed 1000001 insns (limit 1000000) max_states_per_insn 30 total_states 41000 peak_states 3000 mark_read 90"]);
        Assert.Equal(7, refused.Errno);
        Assert.Equal(1000001, refused.Stats!.ProcessedInstructions);
        Assert.Equal("load program 'big': verifier rejected it (E2BIG): 1691: (27) r2 *= 16: BPF program is too large. Processed 1000001 insn (1 more lines)", refused.Message);
    }
}
