using SideEye.Testing;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// Dump text the parked program cannot produce through runtime.Stack: crash-dump headers (GOTRACEBACK=system),
/// synctest bubbles, leaked goroutines, stacks of goroutines running elsewhere. Each sample follows the
/// print calls of that release's runtime/traceback.go.
/// </summary>
public sealed class GoroutineDumpTests
{
    [Fact]
    public void Go119ElisionAndCreatorWithoutGoroutine()
    {
        var dump = GoroutineDump.Parse("""
            goroutine 6 [chan receive, 12 minutes]:
            main.f(0xc000010000?, 0x0?)
            	/src/main.go:10 +0x25
            ...additional frames elided...
            created by main.main
            	/src/main.go:30 +0x5c

            """);
        var g = Assert.Single(dump);
        Assert.Equal(6, g.Goid);
        Assert.Equal("chan receive", g.Status);
        Assert.Equal(12, g.WaitMinutes);
        Assert.Equal(new DumpFrame("main.f", "/src/main.go", 10, 0x25), Assert.Single(g.Frames));
        Assert.True(g.Elided);
        Assert.Null(g.ElidedFrames);
        Assert.Equal("main.main", g.CreatedByFunc);
        Assert.Null(g.CreatedByGoid);
        Assert.Equal(new DumpFrame("main.main", "/src/main.go", 30, 0x5c), g.CreatedAt);
    }

    [Fact]
    public void CrashDumpHeaderWithThreadDetailsAndRegisters()
    {
        // GOTRACEBACK=system or a fatal error (1.22+): gp/m in the header, fp/sp/pc after each location.
        var dump = GoroutineDump.Parse("""
            goroutine 1 gp=0xc000002380 m=0 mp=0x5a4f60 [running]:
            runtime.throw({0x4b2c1e?, 0x0?})
            	/usr/lib/go/src/runtime/panic.go:1101 +0x48 fp=0xc00006cf08 sp=0xc00006ced8 pc=0x46a3a8
            main.main()
            	/src/main.go:5 +0x1d fp=0xc00006cf50 sp=0xc00006cf40 pc=0x48e5fd

            goroutine 2 gp=0xc000002e00 m=nil [force gc (idle)]:
            runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
            	/usr/lib/go/src/runtime/proc.go:435 +0xce fp=0xc00005cfa8 sp=0xc00005cf88 pc=0x46a4ce
            created by runtime.init.7 in goroutine 1
            	/usr/lib/go/src/runtime/proc.go:336 +0x1a

            """);
        Assert.Equal([1L, 2L], dump.Select(g => g.Goid));
        Assert.Equal("running", dump[0].Status);
        Assert.Equal(["runtime.throw", "main.main"], dump[0].Frames.Select(f => f.Func));
        Assert.Equal(new DumpFrame("main.main", "/src/main.go", 5, 0x1d), dump[0].Frames[1]);
        Assert.Equal("force gc (idle)", dump[1].Status);
        Assert.Equal(("runtime.init.7", 1L), (dump[1].CreatedByFunc, dump[1].CreatedByGoid));
    }

    [Fact]
    public void Go126HeaderWithEveryDecoration()
    {
        var dump = GoroutineDump.Parse("""
            goroutine 33 [chan receive (leaked) (scan), 3 minutes, locked to thread, synctest bubble 5 labels:{"a": "1", "say \"hi\"": "tab\there\u00e9"}]:
            main.leak.func1()
            	/src/leak.go:8 +0x2b
            created by main.leak in goroutine 7
            	/src/leak.go:7 +0x3d

            goroutine 34 [sync.WaitGroup.Wait (durable), synctest bubble 5]:
            sync.(*WaitGroup).Wait(...)
            	/usr/lib/go/src/sync/waitgroup.go:118

            """);
        var g = dump[0];
        Assert.Equal("chan receive", g.Status);
        Assert.True(g.Leaked);
        Assert.True(g.Scan);
        Assert.Equal(3, g.WaitMinutes);
        Assert.True(g.LockedToThread);
        Assert.Equal(5, g.SynctestBubble);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["say \"hi\""] = "tab\there\u00e9" }, g.Labels);
        Assert.Equal(7, g.CreatedByGoid);

        Assert.Equal("sync.WaitGroup.Wait (durable)", dump[1].Status);
        Assert.Equal(new DumpFrame("sync.(*WaitGroup).Wait", "/usr/lib/go/src/sync/waitgroup.go", 118, null), Assert.Single(dump[1].Frames));
        Assert.Null(dump[1].CreatedByFunc);
    }

    [Fact]
    public void Go124SynctestGroupAndNumberedElision()
    {
        var dump = GoroutineDump.Parse("""
            goroutine 9 [select (synctest), synctest group 8]:
            main.deep(...)
            	/src/deep.go:4
            ...150 frames elided...
            main.deep(0x1)
            	/src/deep.go:4 +0x1e
            created by main.run in goroutine 8
            	/src/deep.go:9 +0x25
            """);
        var g = Assert.Single(dump);
        Assert.Equal("select (synctest)", g.Status);
        Assert.Equal(8, g.SynctestBubble);
        Assert.Equal(2, g.Frames.Count);
        Assert.True(g.Elided);
        Assert.Equal(150, g.ElidedFrames);
    }

    [Fact]
    public void StackOfAGoroutineOnAnotherThreadIsUnavailable()
    {
        var g = Assert.Single(GoroutineDump.Parse("""
            goroutine 12 [running]:
            	goroutine running on other thread; stack unavailable
            created by main.main in goroutine 1
            	/src/main.go:20 +0x66
            """));
        Assert.True(g.StackUnavailable);
        Assert.Empty(g.Frames);
        Assert.Equal("main.main", g.CreatedByFunc);
    }

    [Fact]
    public void FunctionNamesKeepTheirParenthesesAndBrackets()
    {
        var g = Assert.Single(GoroutineDump.Parse("""
            goroutine 5 [chan receive]:
            main.(*T[...]).m(0xc000012345, {0x1, 0x2}, ...)
            	/src/t.go:3 +0x10
            main.genericWait[...](...)
            	/src/t.go:9
            """));
        Assert.Equal(["main.(*T[...]).m", "main.genericWait[...]"], g.Frames.Select(f => f.Func));
    }

    [Theory]
    [InlineData("goroutine x [running]:\nmain.main()\n\t/a.go:1 +0x1\n", 1)]
    [InlineData("goroutine 1 [running, 2 hours]:\nmain.main()\n\t/a.go:1 +0x1\n", 1)]
    [InlineData("goroutine 1 [running]:\nmain.main()\n/a.go:1 +0x1\n", 3)]
    [InlineData("goroutine 1 [running]:\nmain.main()\n", 2)]
    public void WhatItDoesNotKnowIsAnErrorNamingTheLine(string text, int line)
    {
        var e = Assert.Throws<FormatException>(() => GoroutineDump.Parse(text));
        Assert.StartsWith($"goroutine dump line {line}: ", e.Message);
    }
}
