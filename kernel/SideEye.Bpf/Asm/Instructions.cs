using System.Buffers.Binary;
using System.Collections;
using System.Text;

namespace SideEye.Bpf.Asm;

/// <summary>
/// An editable instruction stream with labels. <see cref="Assemble"/> resolves label references into jump offsets
/// (relative to the next slot, as the kernel counts them) and drops the labels; <see cref="ToBytes"/> encodes the
/// result in the kernel's 8-byte struct bpf_insn format.
/// </summary>
public sealed class Instructions : IReadOnlyList<Instruction>
{
    readonly List<Instruction> _items = [];

    public Instructions() { }
    public Instructions(IEnumerable<Instruction> items) => _items.AddRange(items);

    public void Add(Instruction instruction) => _items.Add(instruction);
    public void Add(IEnumerable<Instruction> instructions) => _items.AddRange(instructions);

    public int Count => _items.Count;
    public Instruction this[int index] => _items[index];
    /// <summary>Slots in the final program (labels take none, 64-bit loads take two).</summary>
    public int SlotCount => _items.Sum(i => i.Width);

    public IEnumerator<Instruction> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Maps each label to the slot of the instruction after it; duplicate or dangling labels are caller bugs.</summary>
    public IReadOnlyDictionary<string, int> LabelSlots()
    {
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        var slot = 0;
        foreach (var ins in _items)
        {
            if (ins.IsLabel && !labels.TryAdd(ins.Label!, slot))
                throw new ArgumentException($"duplicate label '{ins.Label}' at slot {slot}");
            slot += ins.Width;
        }
        return labels;
    }

    /// <summary>Resolves labels into offsets and drops label pseudo-instructions. Map names stay for the loader.</summary>
    public IReadOnlyList<Instruction> Assemble()
    {
        var labels = LabelSlots();
        var result = new List<Instruction>(_items.Count);
        var slot = 0;
        foreach (var ins in _items)
        {
            if (ins.IsLabel) continue;
            result.Add(ins.Reference is null ? ins : Resolve(ins, slot, labels));
            slot += ins.Width;
        }
        return result;
    }

    static Instruction Resolve(Instruction ins, int slot, IReadOnlyDictionary<string, int> labels)
    {
        if (!labels.TryGetValue(ins.Reference!, out var target))
            throw new ArgumentException($"unknown label '{ins.Reference}' referenced at slot {slot}");
        var delta = target - (slot + 1);
        var isCall = ins.Class == OpClass.Jmp && (ins.OpCode & 0xf0) == (byte)JumpOp.Call;
        if (isCall || ins.IsLoadImm64) return ins with { Constant = delta };
        if (delta is < short.MinValue or > short.MaxValue)
            throw new ArgumentException($"jump to '{ins.Reference}' at slot {slot} is {delta} slots away, beyond the 16-bit offset range");
        return ins with { Offset = (short)delta };
    }

    /// <summary>The program as the kernel takes it. Every label and map name must be resolved.</summary>
    public byte[] ToBytes() => Encode(Assemble());

    internal static byte[] Encode(IReadOnlyList<Instruction> assembled)
    {
        var bytes = new byte[assembled.Sum(i => i.Width) * 8];
        var at = 0;
        foreach (var ins in assembled)
        {
            if (ins.MapName is not null)
                throw new ArgumentException($"map '{ins.MapName}' is not resolved; load the program with a map table");
            var span = bytes.AsSpan(at);
            span[0] = ins.OpCode;
            span[1] = (byte)(((byte)ins.Src << 4) | ((byte)ins.Dst & 0x0f));
            BinaryPrimitives.WriteInt16LittleEndian(span[2..], ins.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(span[4..], unchecked((int)ins.Constant));
            if (ins.IsLoadImm64)
                BinaryPrimitives.WriteInt32LittleEndian(span[12..], unchecked((int)(ins.Constant >> 32))); // second slot: opcode 0, high half
            at += ins.Width * 8;
        }
        return bytes;
    }

    /// <summary>
    /// The program in the verifier's syntax, one slot per line (<c>3: (bf) r1 = r10</c>) with labels on their own line.
    /// Unresolvable references are shown by name, so a broken program still prints.
    /// </summary>
    public string Disassemble()
    {
        IReadOnlyDictionary<string, int>? labels = null;
        try { labels = LabelSlots(); } catch (ArgumentException) { }
        var sb = new StringBuilder();
        var slot = 0;
        foreach (var ins in _items)
        {
            if (ins.IsLabel) { sb.Append(ins.Label).Append(":\n"); continue; }
            var shown = ins;
            var resolved = ins.Reference is null;
            if (!resolved && labels is not null && labels.ContainsKey(ins.Reference!))
            {
                try { shown = Resolve(ins, slot, labels); resolved = true; } catch (ArgumentException) { }
            }
            sb.Append(slot).Append(": (").Append(ins.OpCode.ToString("x2")).Append(") ").Append(Disassembler.Format(shown, resolved ? null : ins.Reference)).Append('\n');
            slot += ins.Width;
        }
        return sb.ToString();
    }

    public override string ToString() => Disassemble();
}
