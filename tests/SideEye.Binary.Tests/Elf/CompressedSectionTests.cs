using System.Buffers.Binary;
using SideEye.Binary.Elf;
using SideEye.Testing;
using SideEye.Testing.Fuzzing;

namespace SideEye.Binary.Tests.Elf;

/// <summary>A compressed section whose header claims more than its data holds: refused, without allocating the claim.</summary>
public class CompressedSectionTests
{
    [Fact]
    public void InflatedUncompressedSizeIsRefusedWithoutAllocatingIt()
    {
        var original = File.ReadAllBytes(GoFixture.Build("parked", "1.26"));
        var info = ElfRegions.Read("parked", original).Section(".debug_info")!.Value;
        var intactSize = BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan((int)info.Offset + 8));
        // Elf64_Chdr.ch_size, raised to just under zlib's largest possible expansion of the section.
        var claimed = (ulong)info.Size * 1000;
        var bytes = (byte[])original.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)info.Offset + 8), claimed);
        var image = ElfImage.Parse("inflated", bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<BinaryFormatException>(() => image.SectionData(".debug_info"));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal($"inflated: compressed data ends after {intactSize} of the {claimed} bytes its header gives (section .debug_info, offset 0x{info.Offset:x})", e.Message);
        Assert.True(allocated < (long)claimed / 10, $"allocated {allocated} bytes for a claim of {claimed}");
    }
}
