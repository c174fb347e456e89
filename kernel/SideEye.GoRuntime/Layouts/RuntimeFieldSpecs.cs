using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime.Layouts;

/// <summary>Every runtime field the snapshot probe reads; a test checks each against every toolchain's DWARF.</summary>
public static class RuntimeFieldSpecs
{
    static readonly GoVersion Go121 = new(1, 21, 0, "go1.21");
    static readonly GoVersion Go123 = new(1, 23, 0, "go1.23");

    public static IReadOnlyList<RuntimeFieldSpec> All { get; } =
    [
        new("g", "goid", "goroutine id"),
        new("g", "atomicstatus", "status (_Grunning, _Gwaiting, ...), possibly with the _Gscan bit"),
        new("g", "sched.sp", "saved stack pointer of a parked goroutine"),
        new("g", "sched.pc", "saved program counter of a parked goroutine"),
        new("g", "sched.bp", "saved frame pointer of a parked goroutine"),
        new("g", "syscallsp", "stack pointer at system call entry"),
        new("g", "syscallpc", "program counter at system call entry"),
        new("g", "syscallbp", "frame pointer at system call entry", Go123),
        new("g", "stack.lo", "lowest address of the goroutine stack"),
        new("g", "stack.hi", "highest address of the goroutine stack"),
        new("g", "m", "the thread running this goroutine"),
        new("g", "waitreason", "why a waiting goroutine waits"),
        new("g", "waitsince", "approximate time the goroutine started waiting"),
        new("g", "gopc", "PC of the go statement that created the goroutine"),
        new("g", "startpc", "PC of the goroutine's function"),
        new("g", "parentGoid", "goid of the creating goroutine", Go121),
        new("g", "labels", "profiler labels"),
        new("m", "g0", "the thread's scheduling goroutine"),
        new("m", "curg", "the user goroutine the thread runs"),
        new("m", "procid", "OS thread id"),
        new("m", "gsignal", "the thread's signal-handling goroutine"),
    ];
}
