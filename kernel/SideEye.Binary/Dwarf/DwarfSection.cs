namespace SideEye.Binary.Dwarf;

/// <summary>
/// One (decompressed) DWARF section plus the names needed to report a problem in it. Every reader
/// takes one of these so that a bad offset always becomes a <see cref="BinaryFormatException"/>.
/// </summary>
public sealed class DwarfSection
{
    public DwarfSection(string file, string name, ReadOnlyMemory<byte> data)
    {
        File = file;
        Name = name;
        Data = data;
    }

    public string File { get; }
    public string Name { get; }
    public ReadOnlyMemory<byte> Data { get; }
    public int Length => Data.Length;

    public static DwarfSection Empty(string file, string name) => new(file, name, ReadOnlyMemory<byte>.Empty);

    public BinaryFormatException Error(string problem, long offset) => new(File, problem, Name, offset);

    /// <summary>A reader positioned at <paramref name="offset"/>, limited to [offset, end).</summary>
    internal DwarfReader ReaderAt(long offset, long end = -1)
    {
        if (end < 0) end = Length;
        if (offset < 0 || offset > Length || end > Length || end < offset)
            throw Error($"offset 0x{offset:x} outside the section (length 0x{Length:x})", offset);
        return new DwarfReader(this, (int)offset, (int)end);
    }
}
