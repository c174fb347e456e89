using System.Diagnostics;
using SideEye.Bpf.Asm;
using SideEye.Bpf.Features;
using SideEye.Bpf.Links;
using SideEye.Bpf.RingBuf;
using SideEye.Testing;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Bpf.Tests;

[Collection(PrivilegedCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class UprobeTests : KernelObjectLeakCheck
{
    /// <summary>Sends bpf_get_current_pid_tgid() (tgid in the high half) to the ring buffer.</summary>
    static readonly Instructions ReportPid = ReportHelperResult(BpfHelper.GetCurrentPidTgid);

    /// <summary>Calls a helper that takes no argument but the context (still in r1) and sends its 64-bit result to "events".</summary>
    static Instructions ReportHelperResult(BpfHelper helper) =>
    [
        A.Call(helper),
        A.StoreMem(R10, -8, R0, Size.DW),
        A.LoadMapPtr(R1, "events"),
        A.Mov64(R2, R10),
        A.Add64Imm(R2, -8),
        A.Mov64Imm(R3, 8),
        A.Mov64Imm(R4, 0),
        A.Call(BpfHelper.RingbufOutput),
        A.Mov64Imm(R0, 0),
        A.Exit(),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Uprobe_on_a_child_process_reports_its_pid(bool returnProbe)
    {
        Requires.Root();
        using var target = new UprobeTarget();
        using var map = BpfMap.Load(MapSpec.RingBuf("events", 4096));
        using var prog = BpfProgram.Load(new ProgramSpec("uprobe_pid", ProgramType.Kprobe, ReportPid), new Dictionary<string, BpfMap> { ["events"] = map });
        using var reader = RingBufReader.Open(map);
        using var child = target.Start();
        try
        {
            using (var link = UprobeLink.Attach(prog, target.Binary, target.FileOffset, pid: child.Id, returnProbe: returnProbe))
            {
                Assert.True(reader.TryRead(TimeSpan.FromSeconds(10), out var record), $"no hit on {link}\n{ReportPid.Disassemble()}");
                var pidTgid = BitConverter.ToUInt64(record);
                Assert.Equal(child.Id, (int)(pidTgid >> 32));
            }
            // Detached: drain what was in flight, then nothing more arrives.
            Thread.Sleep(50);
            reader.ReadAll();
            Assert.False(reader.TryRead(TimeSpan.FromMilliseconds(100), out _));
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Fact]
    public void Pid_filter_excludes_other_processes()
    {
        Requires.Root();
        using var target = new UprobeTarget();
        using var map = BpfMap.Load(MapSpec.RingBuf("events", 16384));
        using var prog = BpfProgram.Load(new ProgramSpec("uprobe_pid", ProgramType.Kprobe, ReportPid), new Dictionary<string, BpfMap> { ["events"] = map });
        using var reader = RingBufReader.Open(map);
        using var first = target.Start();
        using var second = target.Start();
        try
        {
            using var link = UprobeLink.Attach(prog, target.Binary, target.FileOffset, pid: second.Id);
            Assert.True(reader.TryRead(TimeSpan.FromSeconds(10), out var firstHit), $"no hit on {link}");
            Thread.Sleep(200); // both processes call the function every 2 ms meanwhile
            var tgids = reader.ReadAll().Prepend(firstHit).Select(r => (int)(BitConverter.ToUInt64(r) >> 32)).Distinct().ToArray();
            Assert.Equal([second.Id], tgids);
        }
        finally
        {
            foreach (var p in new[] { first, second }) { p.Kill(); p.WaitForExit(); }
        }
    }

    [Fact]
    public void Unfiltered_uprobe_fires_in_any_process_on_any_cpu()
    {
        Requires.Root();
        using var target = new UprobeTarget();
        using var map = BpfMap.Load(MapSpec.RingBuf("events", 16384));
        using var prog = BpfProgram.Load(new ProgramSpec("uprobe_pid", ProgramType.Kprobe, ReportPid), new Dictionary<string, BpfMap> { ["events"] = map });
        using var reader = RingBufReader.Open(map);
        using var link = UprobeLink.Attach(prog, target.Binary, target.FileOffset);
        using var first = target.Start();
        using var second = target.Start();
        try
        {
            var seen = new HashSet<int>();
            var deadline = Environment.TickCount64 + 10_000;
            while (seen.Count < 2 && Environment.TickCount64 < deadline)
                if (reader.TryRead(TimeSpan.FromMilliseconds(200), out var r)) seen.Add((int)(BitConverter.ToUInt64(r) >> 32));
            Assert.Equal(new HashSet<int> { first.Id, second.Id }, seen);
        }
        finally
        {
            foreach (var p in new[] { first, second }) { p.Kill(); p.WaitForExit(); }
        }
    }

    [Fact]
    public void Cookie_tells_one_program_which_probe_fired()
    {
        Requires.Root();
        KernelFeatures.Require(KernelFeature.AttachCookie);
        using var target = new UprobeTarget();
        using var map = BpfMap.Load(MapSpec.RingBuf("events", 4096));
        var code = ReportHelperResult(BpfHelper.GetAttachCookie);
        using var prog = BpfProgram.Load(new ProgramSpec("uprobe_cookie", ProgramType.Kprobe, code), new Dictionary<string, BpfMap> { ["events"] = map });
        using var reader = RingBufReader.Open(map);
        using var child = target.Start();
        try
        {
            using var link = UprobeLink.Attach(prog, target.Binary, target.FileOffset, pid: child.Id, cookie: 0xC00C1E);
            Assert.Equal(0xC00C1Eul, link.Cookie);
            Assert.True(reader.TryRead(TimeSpan.FromSeconds(10), out var record), $"no hit on {link}\n{code.Disassemble()}");
            Assert.Equal(0xC00C1Eul, BitConverter.ToUInt64(record));
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Fact]
    public void Only_kprobe_programs_attach()
    {
        Requires.Root();
        using var target = new UprobeTarget();
        using var prog = BpfProgram.Load(new ProgramSpec("sf", ProgramType.SocketFilter, [A.Mov64Imm(R0, 0), A.Exit()]));
        Assert.Throws<ArgumentException>(() => UprobeLink.Attach(prog, target.Binary, target.FileOffset));
    }

    [Fact]
    public void Missing_binary_is_a_caller_error()
    {
        Requires.Root();
        using var prog = BpfProgram.Load(new ProgramSpec("kp", ProgramType.Kprobe, [A.Mov64Imm(R0, 0), A.Exit()]));
        Assert.Throws<ArgumentException>(() => UprobeLink.Attach(prog, "/nonexistent/binary", 0));
    }

}
