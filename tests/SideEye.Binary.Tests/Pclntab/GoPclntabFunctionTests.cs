using SideEye.Binary.Elf;
using SideEye.Binary.Pclntab;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Pclntab;

/// <summary>The function table and moduledata against go tool nm, and stripped builds against DWARF builds.</summary>
public class GoPclntabFunctionTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Functions_EqualNmTextSymbols(string release)
    {
        var toolchain = GoToolchains.Get(release);
        foreach (var binary in new[] { GoFixture.Build("demo", toolchain), GoFixture.BuildCmdGo(toolchain) })
        {
            var (_, table) = PclntabTargets.Open(binary);
            // Rule: every sized text symbol (kind T/t) is a function in the pclntab. The zero-size text symbols
            // are linker markers, not code: runtime.text and runtime.etext bracket the text segment.
            // The linker spells names differently in the two tables, also by rule (cmd/link/internal/ld):
            //  - ELF symtab: ABI0 (assembly) functions get a ".abi0" suffix, and "·" becomes "." (symtab.go);
            //  - pclntab of Go 1.18-1.19: generic names are stored with "[...]" for their type arguments (pcln.go).
            var expected = GoTool.NmWithSizes(toolchain, binary)
                .Where(s => s.Kind is 'T' or 't' && s.Size > 0)
                .Select(s => $"{s.Address:x} {NmNameInPclntabSpelling(s.Name, table.FormatVersion)}")
                .Order(StringComparer.Ordinal).ToList();
            var actual = table.Functions.Select(f => $"{f.Entry:x} {f.Name.Replace('·', '.')}").Order(StringComparer.Ordinal).ToList();
            var missing = expected.Except(actual).ToList();
            var extra = actual.Except(expected).ToList();
            Assert.True(missing.Count == 0 && extra.Count == 0,
                $"{binary}: nm functions not in pclntab ({missing.Count}): {string.Join(", ", missing.Take(15))}\n" +
                $"pclntab functions not in nm ({extra.Count}): {string.Join(", ", extra.Take(15))}");
            Assert.Equal(expected.Count, actual.Count);
        }
    }

    static string NmNameInPclntabSpelling(string name, int formatVersion)
    {
        if (name.EndsWith(".abi0", StringComparison.Ordinal)) name = name[..^".abi0".Length];
        return formatVersion == 1 ? GoFunctionNames.ForPrint(name) : name;
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Functions_AreSortedAndContiguous(string release)
    {
        var (_, table) = PclntabTargets.Open(GoFixture.Build("demo", release, GoBuildFlags.Stripped));
        for (var i = 0; i < table.Functions.Count; i++)
        {
            var f = table.Functions[i];
            Assert.Equal(i, f.Index);
            Assert.True(f.Entry <= f.End, f.ToString());
            if (i > 0) Assert.Equal(table.Functions[i - 1].End, f.Entry);
            Assert.Same(f, table.FindFunction(f.Entry));
            if (f.End > f.Entry) Assert.Same(f, table.FindFunction(f.End - 1));
            // Nothing has been pushed yet at a function's first instruction. Linker-made markers such as
            // go:textfipsstart (Go 1.24+) have an empty pcsp table, which reads as -1.
            var sp = table.SpDelta(f.Entry);
            Assert.True(sp == 0 || (sp == -1 && f.Name.StartsWith("go:", StringComparison.Ordinal)), $"{f}: pcsp at entry is {sp}");
        }
        Assert.Null(table.FindFunction(table.Functions[^1].End));
        Assert.Null(table.FindFunction(table.Functions[0].Entry - 1));
        Assert.Equal(GoToolchains.Get(release).Minor >= 20 ? 2 : 1, table.FormatVersion);
        Assert.Equal(GoToolchains.Get(release).Minor >= 20 ? "1.20+" : "1.18-1.19", table.GoVersionRange);
        Assert.StartsWith($"go{release}", table.GoVersion);
        // Go 1.20 started recording the line of the func keyword.
        var main = table.Functions.Single(f => f.Name == "main.main");
        Assert.Equal(GoToolchains.Get(release).Minor >= 20, main.StartLine is > 0);
        Assert.Contains(table.Files, f => f.EndsWith("testdata/demo/main.go", StringComparison.Ordinal));
        Assert.Contains(table.Functions, f => f.Flags.HasFlag(GoFuncFlags.TopFrame) && f.Name == "runtime.goexit");
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void ModuleData_MatchesNmSymbols_AndIsFoundInStrippedBuild(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.Build("inlined", toolchain);
        var symbols = GoTool.Nm(toolchain, binary).GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First().Address);
        var (_, table) = PclntabTargets.Open(binary);
        var md = table.ModuleData;
        Assert.True(md.Found);
        Assert.Equal(symbols["runtime.firstmoduledata"], md.Address);
        Assert.Equal(table.Address, md.PcHeader);
        Assert.Equal(symbols["runtime.text"], md.Text);
        Assert.Equal(symbols["runtime.etext"], md.EText);
        Assert.Equal(symbols["runtime.noptrdata"], md.NoPtrData);
        Assert.Equal(symbols["runtime.enoptrdata"], md.ENoPtrData);
        Assert.Equal(symbols["runtime.types"], md.Types);
        Assert.Equal(symbols["runtime.etypes"], md.ETypes);
        Assert.Equal(symbols.GetValueOrDefault("go:func.*", symbols.GetValueOrDefault("go.func.*")), md.GoFunc);
        Assert.Equal(table.Functions[0].Entry, md.MinPc);

        // Stripped: no symbol table, so moduledata must be found by scanning the data sections.
        var (strippedImage, stripped) = PclntabTargets.Open(GoFixture.Build("inlined", toolchain, GoBuildFlags.Stripped));
        Assert.Empty(strippedImage.Symbols);
        Assert.True(stripped.ModuleData.Found);
        Assert.Equal(stripped.Address, stripped.ModuleData.PcHeader);
        Assert.Equal(md.Text, stripped.ModuleData.Text);
        Assert.Equal(md.EText, stripped.ModuleData.EText);
        Assert.Equal(stripped.Functions[0].Entry, stripped.ModuleData.MinPc);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void StrippedBuild_AnswersLikeDwarfBuild(string release)
    {
        foreach (var program in new[] { "inlined", "demo" })
        {
            var (_, full) = PclntabTargets.Open(GoFixture.Build(program, release));
            var (_, stripped) = PclntabTargets.Open(GoFixture.Build(program, release, GoBuildFlags.Stripped));
            Assert.Equal(full.Functions.Select(f => (f.Name, f.Entry, f.End)), stripped.Functions.Select(f => (f.Name, f.Entry, f.End)));
            foreach (var pc in PclntabTargets.EntriesAndMidPcs(full))
            {
                Assert.Equal(full.Lookup(pc), stripped.Lookup(pc));
                Assert.Equal(full.LookupInlined(pc), stripped.LookupInlined(pc));
                Assert.Equal(full.SpDelta(pc), stripped.SpDelta(pc));
            }
        }
    }

    /// <summary>Other layouts keep the table elsewhere: hide the .gopclntab section name and find it through moduledata.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void WithoutGopclntabSection_TableIsFoundThroughModuleData(string release)
    {
        foreach (var flags in new[] { GoBuildFlags.Default, GoBuildFlags.Stripped })
        {
            var path = GoFixture.Build("inlined", release, flags);
            var (_, expected) = PclntabTargets.Open(path);
            var bytes = File.ReadAllBytes(path);
            var name = ".gopclntab\0"u8;
            var at = bytes.AsSpan().LastIndexOf(name);
            Assert.True(at > 0, "section name .gopclntab not found in .shstrtab");
            bytes[at + 1] = (byte)'x';
            var image = ElfImage.Parse(path, bytes);
            Assert.Null(image.FindSection(".gopclntab"));
            var table = GoPclntab.Load(image);
            Assert.NotNull(table);
            Assert.Equal(expected.Address, table.Address);
            Assert.Equal(expected.Functions.Count, table.Functions.Count);
            Assert.Equal(expected.ModuleData, table.ModuleData);
            var pc = expected.Functions.Single(f => f.Name == "main.main").Entry + 8;
            Assert.Equal(expected.Lookup(pc), table.Lookup(pc));
        }
    }
}
