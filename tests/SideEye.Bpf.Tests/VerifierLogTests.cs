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
}
