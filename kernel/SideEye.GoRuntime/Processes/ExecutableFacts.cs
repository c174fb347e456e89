using SideEye.Binary.Elf;

namespace SideEye.GoRuntime.Processes;

/// <summary>
/// What listing and guarding a Go process needs of its executable, kept instead of the executable itself (a
/// long-running agent would otherwise hold every binary of its machine in memory): identity, Go version, where
/// runtime.allglen is, and how the file is laid out (to compute the load bias and to check a uprobe site).
/// </summary>
/// <param name="AllGLen">Link-time address of runtime.allglen; null when the runtime model cannot be read (no DWARF, say).</param>
/// <param name="Code">File ranges of the sections holding instructions (SHF_EXECINSTR: .text, .plt, …).</param>
public sealed record ExecutableFacts(string BuildId, string GoVersion, ulong? AllGLen, bool IsPositionIndependent, ulong LinkBase,
    IReadOnlyList<(long Offset, long Size)> Code, long Size)
{
    public static ExecutableFacts Of(GoBinary binary)
    {
        ulong? allglen;
        try { allglen = binary.Runtime.Variables.AllGLen; }
        catch (SideEyeException) { allglen = null; }
        var image = binary.Image;
        var code = image.Sections.Where(s => (s.Flags & ElfSectionInfo.FlagExecInstr) != 0 && s.HasFileData).Select(s => (s.FileOffset, s.Size)).ToArray();
        return new ExecutableFacts(image.BuildId ?? "", binary.Version.Text, allglen, image.IsPositionIndependent, image.LinkBase, code, image.FileBytes.Length);
    }

    /// <summary>Whether file offset <paramref name="offset"/> lies in a section of instructions: where a uprobe may go.</summary>
    public bool IsCode(ulong offset) => Code.Any(c => offset >= (ulong)c.Offset && offset < (ulong)(c.Offset + c.Size));
}
