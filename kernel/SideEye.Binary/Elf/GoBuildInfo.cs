using System.Text;

namespace SideEye.Binary.Elf;

/// <summary>
/// What the Go linker records in .go.buildinfo: the toolchain version ("go1.22.12") and the module
/// information `go version -m` shows (main path, module, dependencies, build settings).
/// </summary>
public sealed record GoBuildInfo(string GoVersion, string? MainPath, string? MainModule, IReadOnlyList<string> Dependencies,
                                 IReadOnlyDictionary<string, string> Settings)
{
    // 0xff then " Go buildinf:" (a C# "\xff" would encode as two UTF-8 bytes).
    static ReadOnlySpan<byte> Magic => [0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a];
    const int HeaderSize = 32;
    const byte FlagInlineStrings = 0x2;

    /// <summary>Like <see cref="Read"/>, but null also when the build info is damaged: for callers that can do without it.</summary>
    public static GoBuildInfo? TryRead(ElfImage image)
    {
        try { return Read(image); }
        catch (BinaryFormatException) { return null; }
    }

    /// <summary>Reads .go.buildinfo; null when the binary has none (not a Go binary, or Go before 1.13).</summary>
    public static GoBuildInfo? Read(ElfImage image)
    {
        var section = image.FindSection(".go.buildinfo");
        if (section is null) return null;
        var data = image.RawSectionData(section).Span;
        if (data.Length < HeaderSize || !data[..14].SequenceEqual(Magic))
            throw new BinaryFormatException(image.Path, "bad build info header", section.Name, section.FileOffset);
        var flags = data[15];
        string version, modInfo;
        if ((flags & FlagInlineStrings) != 0)
        {
            var rest = data[HeaderSize..];
            version = ReadVarString(image, section, ref rest);
            modInfo = ReadVarString(image, section, ref rest);
        }
        else
        {
            // Before Go 1.18 the header holds pointers to two string headers elsewhere in the image.
            var ptrSize = data[14];
            if (ptrSize != 8) throw new BinaryFormatException(image.Path, $"unsupported pointer size {ptrSize} in build info", section.Name, section.FileOffset);
            version = ReadStringAt(image, BitConverter.ToUInt64(data[16..]));
            modInfo = ReadStringAt(image, BitConverter.ToUInt64(data[24..]));
        }
        return Parse(version, modInfo);
    }

    static string ReadVarString(ElfImage image, ElfSectionInfo section, ref ReadOnlySpan<byte> data)
    {
        ulong length = 0;
        int shift = 0, i = 0;
        while (true)
        {
            if (i >= data.Length || shift > 63) throw new BinaryFormatException(image.Path, "truncated build info string", section.Name, section.FileOffset);
            var b = data[i++];
            length |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) break;
            shift += 7;
        }
        if (length > (ulong)(data.Length - i)) throw new BinaryFormatException(image.Path, "build info string runs past the section", section.Name, section.FileOffset);
        var s = Encoding.UTF8.GetString(data.Slice(i, (int)length));
        data = data[(i + (int)length)..];
        return s;
    }

    static string ReadStringAt(ElfImage image, ulong headerAddress)
    {
        var ptr = image.ReadPointer(headerAddress);
        var len = image.ReadPointer(headerAddress + 8);
        if (ptr is null || len is null || len > 1 << 20) throw new BinaryFormatException(image.Path, "unreadable build info string", ".go.buildinfo");
        var buf = new byte[(int)len.Value];
        if (!image.TryReadAt(ptr.Value, buf)) throw new BinaryFormatException(image.Path, "unreadable build info string", ".go.buildinfo");
        return Encoding.UTF8.GetString(buf);
    }

    static GoBuildInfo Parse(string version, string modInfo)
    {
        // Module info is framed by 16-byte sentinels; lines are tab-separated "path", "mod", "dep", "build".
        if (modInfo.Length >= 33) modInfo = modInfo[16..^16];
        string? path = null, module = null;
        var deps = new List<string>();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in modInfo.Split('\n'))
        {
            var parts = line.Split('\t');
            switch (parts[0])
            {
                case "path" when parts.Length > 1: path = parts[1]; break;
                case "mod" when parts.Length > 1: module = string.Join(' ', parts[1..]).Trim(); break;
                case "dep" when parts.Length > 1: deps.Add(string.Join(' ', parts[1..]).Trim()); break;
                case "build" when parts.Length > 1:
                    var eq = parts[1].IndexOf('=');
                    if (eq > 0) settings[parts[1][..eq]] = parts[1][(eq + 1)..];
                    break;
            }
        }
        return new GoBuildInfo(version, path, module, deps, settings);
    }
}
