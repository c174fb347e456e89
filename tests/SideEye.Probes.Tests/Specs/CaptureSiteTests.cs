using SideEye.GoRuntime;
using SideEye.Probes.Specs;
using SideEye.Testing;

namespace SideEye.Probes.Tests.Specs;

/// <summary>
/// Sites of testdata/inlined's chain of inlinable functions (middle, outer, (*acc).add) against the
/// pclntab's inline tree, which the Binary tests hold equal to runtime.CallersFrames: every pc of every site
/// has the function in its inline chain, and the chain's innermost frames agree with the DWARF site.
/// </summary>
public class CaptureSiteTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Inlined_copies_are_found_where_the_pclntab_says_the_function_runs(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("inlined", GoToolchains.Get(release)));
        var inlinedSomewhere = 0;
        foreach (var function in new[] { "main.leaf", "main.middle", "main.outer", "main.(*acc).add" })
        {
            var sites = CaptureSite.Find(bin.Dwarf!, function);
            Assert.NotEmpty(sites);
            if (sites.Any(s => s.Inlined)) inlinedSomewhere++;
            foreach (var site in sites)
            {
                Assert.NotEmpty(site.Ranges);
                foreach (var range in site.Ranges)
                    for (var pc = range.Low; pc < range.High; pc++)
                    {
                        var chain = bin.Pclntab.LookupInlined(pc).Select(l => l.Function).ToList();
                        Assert.True(chain.Contains(function), $"go{release}: {function} site in {site.Container.Name} at 0x{pc:x}: pclntab says {string.Join(" < ", chain)}");
                    }
            }
            // Out of line, the parameter n is declared (inlined copies list only what survived optimization).
            Assert.All(sites.Where(s => !s.Inlined), s => Assert.Contains(s.Variables, v => v.Name == "n" && v.IsParameter));
        }
        Assert.True(inlinedSomewhere >= 2, $"go{release}: only {inlinedSomewhere} of the chain's functions have inlined copies");
    }

    [Fact]
    public void An_out_of_line_function_is_its_own_site()
    {
        var bin = GoBinary.Open(GoFixture.Build("demo", GoToolchains.Newest));
        var site = Assert.Single(CaptureSite.Find(bin.Dwarf!, "main.process"), s => !s.Inlined);
        Assert.Equal("main.process", site.Container.Name);
        Assert.Contains(site.Variables, v => v.Name == "j");
        Assert.True(site.Contains(site.Container.LowPc));
    }

    /// <summary>A function that exists only inlined (the linker dropped its unused body) still resolves: from its abstract declaration.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void A_function_that_only_exists_inlined_resolves_from_its_declaration(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("inlined", GoToolchains.Get(release)));
        var inlinedOnly = new[] { "main.middle", "main.outer", "main.(*acc).add" }
            .Where(f => bin.Dwarf!.FindFunction(f) is null && CaptureSite.Find(bin.Dwarf, f).Count > 0).ToList();
        Assert.NotEmpty(inlinedOnly);
        var resolver = new CaptureResolver(bin);
        foreach (var function in inlinedOnly)
        {
            Assert.Equal("int", resolver.Resolve(function, "n").TypeName);
            Assert.Contains("it has: ", Assert.Throws<CaptureSpecException>(() => resolver.Resolve(function, "nn")).Message);
        }
    }
}
