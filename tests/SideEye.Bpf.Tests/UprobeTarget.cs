using System.Diagnostics;
using System.Globalization;

namespace SideEye.Bpf.Tests;

/// <summary>
/// A tiny C program compiled at test time that calls sideeye_target() in a loop, plus the file offset of that
/// function worked out from readelf's symbol table and program headers (vaddr - segment vaddr + segment offset).
/// </summary>
public sealed class UprobeTarget : IDisposable
{
    public const string Function = "sideeye_target";
    const string Source = """
        #include <unistd.h>
        __attribute__((noinline)) int sideeye_target(int x) { __asm__ volatile(""); return x + 1; }
        int main(void) { volatile int s = 0; for (;;) { s = sideeye_target(s); usleep(2000); } }
        """;

    readonly string _dir = Directory.CreateTempSubdirectory("sideeye-uprobe-").FullName;
    public string Binary { get; }
    public ulong FileOffset { get; }

    public UprobeTarget()
    {
        File.WriteAllText(Path.Combine(_dir, "target.c"), Source);
        Binary = Path.Combine(_dir, "target");
        Run("gcc", "-O1", "-o", Binary, Path.Combine(_dir, "target.c"));
        FileOffset = OffsetOf(Binary, Function);
    }

    public Process Start() => Process.Start(new ProcessStartInfo(Binary) { UseShellExecute = false })!;

    static ulong OffsetOf(string binary, string symbol)
    {
        ulong? address = null;
        foreach (var line in Run("readelf", "-sW", binary).Split('\n'))
        {
            // "    27: 0000000000001139    12 FUNC    GLOBAL DEFAULT   14 sideeye_target"
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 8 && f[3] == "FUNC" && f[7] == symbol) address = ulong.Parse(f[1], NumberStyles.HexNumber);
        }
        if (address is null) throw new InvalidOperationException($"{symbol} not in the symbol table of {binary}");
        foreach (var line in Run("readelf", "-lW", binary).Split('\n'))
        {
            // "  LOAD 0x001000 0x0000000000001000 0x0000000000001000 0x000175 0x000175 R E 0x1000"
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 7 || f[0] != "LOAD") continue;
            var offset = Convert.ToUInt64(f[1], 16);
            var vaddr = Convert.ToUInt64(f[2], 16);
            var size = Convert.ToUInt64(f[5], 16);
            if (address >= vaddr && address < vaddr + size) return address.Value - vaddr + offset;
        }
        throw new InvalidOperationException($"{symbol} at 0x{address:x} is in no LOAD segment of {binary}");
    }

    static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed: {err.Result}");
        return output;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
