using SideEye.Binary.DebugInfo;
using SideEye.GoRuntime.Goroutines;
using SideEye.GoRuntime.Layouts;
using SideEye.GoRuntime.Layouts.Releases;
using SideEye.GoRuntime.Memory;
using SideEye.GoRuntime.Versions;
using SideEye.Testing;

namespace SideEye.GoRuntime.Tests;

/// <summary>
/// The runtime model of a binary with neither DWARF nor symbols: layouts from the shipped per-release data, which must
/// be what each installed toolchain's own DWARF says, and the globals from the runtime's machine code, which must be
/// where the symbol table (kept in the split-off debug file, read by `go tool nm`) puts them.
/// </summary>
public sealed class RuntimeModelWithoutDwarfTests
{
    static readonly DebugInfoSources Nowhere = DebugInfoSources.None;

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void The_shipped_layout_of_each_release_is_what_its_toolchain_builds(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("parked", release));
        var fromDwarf = ReleaseLayout.FromDwarf(bin.Dwarf!, bin.Version);
        var (shipped, exact) = ReleaseLayouts.Find(bin.Version)
            ?? throw new Xunit.Sdk.XunitException($"no layout data shipped for go{release}: run .ci/generate-runtime-layouts");
        Assert.True(shipped.SameLayoutAs(fromDwarf),
            $"{shipped.Version}'s shipped layout differs from {bin.Version}'s DWARF: run .ci/generate-runtime-layouts\n{fromDwarf.ToJson()}");
        Assert.Equal(exact, shipped.Version == bin.Version.Text);
        Assert.NotEqual(PprofLabelsLayout.None, shipped.Labels.Layout);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Globals_found_in_machine_code_are_where_the_symbol_table_puts_them(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var stripped = GoFixture.Build("parked", toolchain, GoBuildFlags.SeparateDebugInfo);
        var bin = GoBinary.Open(stripped, Nowhere);
        Assert.Null(bin.Dwarf);
        Assert.Empty(bin.Image.Symbols);
        var model = bin.Runtime;
        Assert.False(model.Origin.FromDwarf);

        var symbols = GoTool.Nm(toolchain, GoFixture.DebugFileOf(GoFixture.GnuBuildIdOf("parked", toolchain)))
            .Where(s => s.Name is "runtime.allgs" or "runtime.allglen" or "runtime.firstmoduledata").ToDictionary(s => s.Name, s => s.Address);
        Assert.Equal(symbols["runtime.allgs"], model.Variables.AllGs);
        Assert.Equal(symbols["runtime.allglen"], model.Variables.AllGLen);
        Assert.Equal(symbols["runtime.firstmoduledata"], model.Variables.FirstModuleData);

        // Everything else equals what the same build's DWARF (its debug file) gives.
        var withDwarf = GoBinary.Open(stripped, DebugInfoSources.None with { Directories = [GoFixture.DebugDirectory] }).Runtime;
        Assert.True(withDwarf.Origin.FromDwarf);
        Assert.Equal(withDwarf.WaitReasons.Strings, model.WaitReasons.Strings);
        Assert.Equal(withDwarf.Statuses.ByName.OrderBy(kv => kv.Key), model.Statuses.ByName.OrderBy(kv => kv.Key));
        Assert.Equal(withDwarf.Layout.Fields.OrderBy(f => f.Key), model.Layout.Fields.OrderBy(f => f.Key));
        Assert.Equal((withDwarf.Layout.GSize, withDwarf.Layout.MSize), (model.Layout.GSize, model.Layout.MSize));
        Assert.Equal(withDwarf.Labels.Layout, model.Labels.Layout);
    }

    [Fact]
    public void A_patch_release_without_data_borrows_its_minor_releases_layout_and_other_releases_have_none()
    {
        var newest = ReleaseLayouts.All.Select(l => GoVersion.TryParse(l.Version)!.Value).Max();
        var (borrowed, exact) = ReleaseLayouts.Find(newest with { Patch = newest.Patch + 1, Text = $"go{newest.Major}.{newest.Minor}.{newest.Patch + 1}" })!.Value;
        Assert.False(exact);
        Assert.Equal(newest.Text, borrowed.Version);
        // An experiment may change the runtime: not exact either.
        Assert.False(ReleaseLayouts.Find(newest with { Text = newest.Text + " X:greenteagc" })!.Value.Exact);
        Assert.True(ReleaseLayouts.Find(newest)!.Value.Exact);
        Assert.Null(ReleaseLayouts.Find(new GoVersion(1, 18, 10, "go1.18.10")));
        Assert.Null(ReleaseLayouts.Find(new GoVersion(1, 27, 0, "go1.27.0")));
    }

    /// <summary>
    /// The checks that guard a borrowed layout pass for the right one and refuse a wrong one, on goroutines read from a
    /// live process: a layout shifted by a word reads garbage ids, statuses and stack bounds.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Plausibility_checks_pass_for_the_right_layout_and_refuse_a_wrong_one(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, flags: GoBuildFlags.SeparateDebugInfo, spinners: 0);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain, GoBuildFlags.SeparateDebugInfo), Nowhere);
        var model = bin.Runtime;
        using var memory = ProcessMemoryReader.Open(parked.Pid);

        var right = new GoroutineReader(model, memory).ReadAll();
        Assert.Null(RuntimePlausibility.Check(right, model.Statuses));
        RuntimePlausibility.Ensure(right, model, bin.Path, bin.Version.Text);

        var shifted = model.Layout.Fields.ToDictionary(kv => kv.Key, kv => kv.Key.StartsWith("g.", StringComparison.Ordinal) ? kv.Value with { Offset = kv.Value.Offset + 8 } : kv.Value);
        var wrong = model with { Layout = RuntimeLayout.FromFields(model.Layout.GSize + 8, model.Layout.MSize, shifted, bin.Version, "test") };
        var garbage = new GoroutineReader(wrong, memory).ReadAll();
        Assert.NotNull(RuntimePlausibility.Check(garbage, wrong.Statuses));
        var e = Assert.Throws<SideEyeException>(() => RuntimePlausibility.Ensure(garbage, wrong, bin.Path, bin.Version.Text));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("does not look like a Go runtime", e.Message);
        Assert.Contains(bin.Version.Text, e.Message);
    }
}
