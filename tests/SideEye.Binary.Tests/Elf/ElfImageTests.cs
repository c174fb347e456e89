using System.Diagnostics;
using SideEye.Binary.Elf;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Elf;

public class ElfImageTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void SectionsSymbolsAndNotesMatchReadelf(string release)
    {
        var binary = GoFixture.Build("demo", release);
        var image = ElfImage.Open(binary);
        Assert.Equal(ElfArchitecture.Amd64, image.Architecture);

        // readelf -S --wide: "[ N] NAME TYPE ADDRESS OFF SIZE ..."
        var sections = Readelf("-S", "--wide", binary)
            .Select(l => l.Replace("[ ", "["))
            .Where(l => l.TrimStart().StartsWith('[') && !l.Contains("Nr]"))
            .Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length > 5 && p[1] != "NULL")
            .ToDictionary(p => p[1], p => (Address: Convert.ToUInt64(p[3], 16), Offset: Convert.ToInt64(p[4], 16), Size: Convert.ToInt64(p[5], 16)));
        Assert.Equal(sections.Keys.Order(), image.Sections.Select(s => s.Name).Order());
        foreach (var s in image.Sections)
            Assert.Equal(sections[s.Name], (s.Address, s.FileOffset, s.Size));

        // Compressed DWARF is the Go default: decompressing must give the size readelf reports for the section contents.
        var info = image.FindSection(".debug_info")!;
        Assert.True(info.IsCompressed);
        var decompressed = image.SectionData(".debug_info")!.Value;
        Assert.Equal(readelfDecompressedSize(binary, ".debug_info"), decompressed.Length);

        var mainMain = image.Symbols.Single(s => s.Name == "main.main");
        var nm = GoTool.Nm(GoToolchains.Get(release), binary).Single(s => s.Name == "main.main");
        Assert.Equal(nm.Address, mainMain.Value);
        Assert.Equal(ElfSymbolKind.Function, mainMain.Kind);

        var file = Readelf("-n", binary);
        var gnu = file.Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Build ID:", StringComparison.Ordinal));
        if (gnu is not null) Assert.Equal(gnu["Build ID:".Length..].Trim(), image.GnuBuildId);
        var goId = GoToolchains.Get(release).Run(RepoPaths.TestData, "tool", "buildid", binary).Trim();
        Assert.Equal(goId, image.GoBuildId);
    }

    [Fact]
    public void FileOffsetOfAFunctionHoldsItsCode()
    {
        var binary = GoFixture.Build("inlined", GoToolchains.Newest);
        var image = ElfImage.Open(binary);
        var text = image.FindSection(".text")!;
        var main = image.Symbols.Single(s => s.Name == "main.main");
        var offset = image.FileOffsetOf(main.Value)!.Value;
        Assert.Equal(text.FileOffset + (long)(main.Value - text.Address), offset);
        var fromFile = image.FileBytes.Span.Slice((int)offset, 16).ToArray();
        var fromMemory = new byte[16];
        Assert.True(image.TryReadAt(main.Value, fromMemory));
        Assert.Equal(fromMemory, fromFile);
        Assert.Null(image.FileOffsetOf(0x10));
    }

    static long readelfDecompressedSize(string binary, string section)
    {
        // objcopy writes a decompressed copy; readelf then gives the plain section size.
        var copy = Path.GetTempFileName();
        try
        {
            using (var p = Process.Start("objcopy", ["--decompress-debug-sections", binary, copy])) p.WaitForExit();
            var row = Readelf("-S", "--wide", copy).Select(l => l.Replace("[ ", "[").Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Single(p => p.Length > 5 && p[1] == section);
            return Convert.ToInt64(row[5], 16);
        }
        finally { File.Delete(copy); }
    }

    static string[] Readelf(params string[] args)
    {
        var psi = new ProcessStartInfo("readelf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.Split('\n');
    }
}
