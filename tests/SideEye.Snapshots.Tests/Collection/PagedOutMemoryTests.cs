using SideEye.Bpf;
using SideEye.Bpf.Features;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// An idle service's memory pushed out of RAM, as the kernel's reclaim does: testdata/values, every mapping paged out
/// with process_madvise(MADV_PAGEOUT) into a swap file of the test's own (how much went, read from /proc). The probe
/// that never faults pages in must find runtime.allgs, goroutine stacks and values unreadable and say so; the probe
/// with a fault budget must bring every value back, equal to what the program printed, and count the pages it
/// faulted in; a budget that runs out stops faulting and says so. Each snapshot is of a freshly paged-out process.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class PagedOutMemoryTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Values_in_paged_out_memory_come_back_by_faulting_pages_in(string release)
    {
        Requires.Root();
        using var swap = SwapSpace.Acquire();
        using var program = new ValuesProgram(GoToolchains.Get(release));
        var spec = ValuesExpectations.Spec(program);

        // Before: reads that miss stay unread.
        var before = PagedOutSnapshot(program, new LocalSnapshotter { Captures = spec, FaultBudget = TimeSpan.Zero }, out var swappedBefore);
        var reads = before.Reads ?? throw new InvalidOperationException($"go{release}: no probe summary: {before.Error}");
        var (compared, unread, _) = ValuesExpectations.Compare(program, before.Captures ?? []);
        Assert.True(reads.Missed > 0, $"go{release}: {swappedBefore >> 20} MiB paged out, yet no read missed");
        Assert.Equal(0, reads.Faulted);
        Assert.NotNull(before.Error);
        Assert.True(unread.Count > 0, $"go{release}: no value differs with {reads.Missed} reads missed");

        // After: the same memory paged out again, read by faulting pages in.
        var after = PagedOutSnapshot(program, new LocalSnapshotter { Captures = spec }, out var swappedAfter);
        var faulted = after.Reads ?? throw new InvalidOperationException($"go{release}: no probe summary: {after.Error}");
        output.WriteLine($"go{release}: without faulting ({swappedBefore >> 20} MiB in swap): {unread.Count} of {compared} values wrong or unread, "
            + $"{before.Goroutines.Count} goroutines, {reads.Missed} reads missed, pause {before.PauseNs / 1e6:F2} ms; {before.Error}");
        output.WriteLine($"go{release}: faulting ({swappedAfter >> 20} MiB in swap): {faulted.Describe()}, {faulted.FaultNs / 1e3 / Math.Max(1, faulted.Faulted):F1} µs a read, "
            + $"{after.Goroutines.Count} goroutines, pause {after.PauseNs / 1e6:F2} ms");
        Assert.True(after.Error is null, $"go{release}: {after.Error}");
        Assert.True(faulted.Faulted > 0, $"go{release}: nothing was faulted in");
        Assert.False(faulted.BudgetSpent);
        Assert.True(after.Goroutines.Count > before.Goroutines.Count, $"go{release}: {after.Goroutines.Count} goroutines faulting, {before.Goroutines.Count} without");
        ValuesExpectations.AssertEqual(program, after.Captures ?? throw new InvalidOperationException($"go{release}: no captures"), output);
    }

    /// <summary>A budget that runs out at once: nothing is faulted in, the row says why values are missing, and the target runs on.</summary>
    [Fact]
    public void A_spent_fault_budget_stops_faulting_and_says_so()
    {
        Requires.Root();
        using var swap = SwapSpace.Acquire();
        using var program = new ValuesProgram(GoToolchains.Newest);
        var snapshot = PagedOutSnapshot(program, new LocalSnapshotter { Captures = ValuesExpectations.Spec(program), FaultBudget = TimeSpan.FromTicks(1) }, out _);
        var reads = snapshot.Reads ?? throw new InvalidOperationException($"no probe summary: {snapshot.Error}");
        output.WriteLine($"{reads.Describe()}; {snapshot.Error}");
        Assert.True(reads.BudgetSpent, reads.Describe());
        Assert.Equal(0, reads.Faulted);
        Assert.NotNull(snapshot.Error);
        Assert.DoesNotContain(Procfs.ThreadStates(program.Pid).Values, s => s == 't');
    }

    /// <summary>A kernel without sleepable uprobes (before 6.0) gets the probe that does not fault, and a row that says why values are missing.</summary>
    [Fact]
    public void A_kernel_that_cannot_fault_pages_in_gets_the_probe_that_does_not()
    {
        Requires.Root();
        using var swap = SwapSpace.Acquire();
        using var program = new ValuesProgram(GoToolchains.Newest);
        var old = new KernelFeatureException(KernelFeatures.Describe(KernelFeature.SleepableUprobe), KernelFeatures.MinimumKernel(KernelFeature.SleepableUprobe),
            "BPF_PROG_LOAD", 22, "Only fentry/fexit/fmod_ret, lsm, and iter programs can be sleepable");
        var snapshotter = new LocalSnapshotter
        {
            Captures = ValuesExpectations.Spec(program),
            KernelFeatureForTests = f => f == KernelFeature.SleepableUprobe ? old : KernelFeatures.Probe(f),
        };
        var snapshot = PagedOutSnapshot(program, snapshotter, out _);
        output.WriteLine(snapshot.Error);
        Assert.Equal(0, snapshot.Reads!.Faulted);
        Assert.True(snapshot.Reads.Missed > 0);
        Assert.Contains($"pages that are not resident were not faulted in: {old.Message}", snapshot.Error);
        Assert.Equal(old.Message, snapshot.Probe!.FaultInDropped![(snapshot.Probe.FaultInDropped!.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
    }

    /// <summary>Pages the program out, then takes one snapshot with <paramref name="snapshotter"/> (and disposes it).</summary>
    static ProcessSnapshot PagedOutSnapshot(ValuesProgram program, LocalSnapshotter snapshotter, out long swapped)
    {
        using (snapshotter)
        {
            swapped = PageOut.Process(program.Pid);
            Assert.True(swapped > 1 << 20, $"only {swapped} bytes of process {program.Pid} went to swap");
            return snapshotter.Take([program.Pid]).Processes[0];
        }
    }
}
