using System.Buffers.Binary;
using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.Loader.Contract;
using SideEye.Probes.Capture;
using SideEye.Probes.Records;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;
using B = SideEye.Probes.Records.CaptureBatchLayout;
using C = SideEye.Probes.Codegen.CaptureScratchLayout;
using S = SideEye.Probes.Codegen.ScratchLayout;

namespace SideEye.Probes.Codegen;

/// <summary>The capture part's maps and the plan encoded into their values (see <see cref="CaptureCodegen"/>).</summary>
internal sealed partial class CaptureCodegen
{
    public IEnumerable<MapSpec> Maps()
    {
        yield return new MapSpec(ScratchMap, MapType.Array, 4, C.Size, 1);
        yield return Table(IntervalsMap, Intervals * IntervalSize);
        yield return Table(PlansMap, Plans * PlanSize);
        yield return Table(RootsMap, Roots * RootSize);
        yield return Table(TypesMap, TypeCount * TypeSize);
        yield return Table(SlotsMap, SlotCount * SlotSize);
        yield return Table(RuntimeTypesMap, RuntimeTypes * RuntimeTypeSize);
        yield return Table(QueueMap, QueueEntries * QueueEntrySize);
        yield return Table(DedupMap, DedupEntries * DedupEntrySize);
        yield return new MapSpec(HitsMap, MapType.Array, 4, HitSize, MaxHits);
    }

    static MapSpec Table(string name, int bytes) => new(name, MapType.Array, 4, (uint)Math.Max(8, bytes), 1);

    /// <summary>The read-only tables' contents (one value each), load bias applied.</summary>
    public IEnumerable<MapEntry> Entries()
    {
        var key = new byte[4];
        var intervals = new byte[Math.Max(8, Intervals * IntervalSize)];
        for (var i = 0; i < Intervals; i++)
        {
            var iv = _plan.Intervals[i];
            var e = intervals.AsSpan(i * IntervalSize);
            BinaryPrimitives.WriteUInt64LittleEndian(e, iv.Low + _bias);
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], iv.High + _bias);
            BinaryPrimitives.WriteInt32LittleEndian(e[16..], iv.Plan);
        }
        yield return new MapEntry(IntervalsMap, key, intervals);

        var plans = new byte[Math.Max(8, Plans * PlanSize)];
        for (var i = 0; i < Plans; i++)
        {
            var p = _plan.FramePlans[i];
            var e = plans.AsSpan(i * PlanSize);
            BinaryPrimitives.WriteInt64LittleEndian(e, p.SpanLow);
            BinaryPrimitives.WriteInt32LittleEndian(e[8..], p.SpanLength);
            BinaryPrimitives.WriteInt32LittleEndian(e[12..], _planRoots[i].First);
            BinaryPrimitives.WriteInt32LittleEndian(e[16..], _planRoots[i].Count);
        }
        yield return new MapEntry(PlansMap, key, plans);

        var roots = new byte[Math.Max(8, Roots * RootSize)];
        for (var i = 0; i < Roots; i++)
        {
            var r = _roots[i];
            var path = _plan.Expressions[r.Expression].Path;
            var e = roots.AsSpan(i * RootSize);
            BinaryPrimitives.WriteInt32LittleEndian(e, r.Expression);
            BinaryPrimitives.WriteInt32LittleEndian(e[4..], r.Size);
            var pieces = r.Pieces.Take(MaxPieces).ToArray();
            BinaryPrimitives.WriteInt32LittleEndian(e[8..], r.Pieces.Count > MaxPieces ? 0 : pieces.Length);
            BinaryPrimitives.WriteInt32LittleEndian(e[12..], path.Steps.Count);
            for (var k = 0; k < pieces.Length; k++)
            {
                var p = pieces[k];
                var pe = e[(RootPieces + k * PieceSize)..];
                pe[0] = (byte)p.Kind;
                pe[1] = (byte)Math.Max(0, p.Register);
                BinaryPrimitives.WriteUInt16LittleEndian(pe[2..], (ushort)p.Size);
                BinaryPrimitives.WriteInt32LittleEndian(pe[4..], p.Destination);
                BinaryPrimitives.WriteInt64LittleEndian(pe[8..], p.Kind == RootPieceKind.Global ? p.Offset + (long)_bias : p.Offset);
            }
            for (var s = 0; s < path.Steps.Count; s++)
            {
                var st = path.Steps[s];
                var se = e[(RootSteps + s * StepSize)..];
                BinaryPrimitives.WriteInt32LittleEndian(se, st.PointerOffset);
                BinaryPrimitives.WriteInt32LittleEndian(se[4..], st.ReadSize);
                BinaryPrimitives.WriteInt64LittleEndian(se[8..], st.Addend);
            }
            BinaryPrimitives.WriteInt32LittleEndian(e[RootFinalOffset..], path.FinalOffset);
            BinaryPrimitives.WriteInt32LittleEndian(e[RootFinalType..], path.FinalType);
            BinaryPrimitives.WriteInt32LittleEndian(e[RootFinalString..], StringBytesOf(path.FinalType));
        }
        yield return new MapEntry(RootsMap, key, roots);

        var types = new byte[Math.Max(8, TypeCount * TypeSize)];
        for (var i = 0; i < TypeCount; i++)
        {
            var t = _plan.Types.Types[i];
            var e = types.AsSpan(i * TypeSize);
            BinaryPrimitives.WriteInt32LittleEndian(e, (int)Math.Min(t.Size, int.MaxValue));
            BinaryPrimitives.WriteInt32LittleEndian(e[4..], t.FirstSlot);
            BinaryPrimitives.WriteInt32LittleEndian(e[8..], t.SlotCount);
        }
        yield return new MapEntry(TypesMap, key, types);

        var slots = new byte[Math.Max(8, SlotCount * SlotSize)];
        for (var i = 0; i < SlotCount; i++)
        {
            var s = _plan.Types.Slots[i];
            var e = slots.AsSpan(i * SlotSize);
            e[0] = (byte)s.Kind;
            e[1] = s.CostsDepth ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt32LittleEndian(e[4..], s.MaxCount);
            BinaryPrimitives.WriteInt32LittleEndian(e[8..], s.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(e[12..], s.CountOffset);
            BinaryPrimitives.WriteInt32LittleEndian(e[16..], s.Child);
            BinaryPrimitives.WriteInt32LittleEndian(e[20..], s.AltChild);
        }
        yield return new MapEntry(SlotsMap, key, slots);

        var runtime = new byte[Math.Max(8, RuntimeTypes * RuntimeTypeSize)];
        for (var i = 0; i < RuntimeTypes; i++)
        {
            var (address, type) = _plan.RuntimeTypes[i];
            BinaryPrimitives.WriteUInt64LittleEndian(runtime.AsSpan(i * RuntimeTypeSize), address + _bias);
            BinaryPrimitives.WriteInt32LittleEndian(runtime.AsSpan(i * RuntimeTypeSize + 8), type);
        }
        yield return new MapEntry(RuntimeTypesMap, key, runtime);
    }

    /// <summary>For a gather type that is a string (one slot: its bytes), the byte limit; else 0.</summary>
    int StringBytesOf(int type)
    {
        if (type <= GatherTypeTable.FuncValue || type >= TypeCount) return 0;
        var t = _plan.Types.Types[type];
        if (t.SlotCount != 1 || t.Size != 16) return 0;
        var slot = _plan.Types.Slots[t.FirstSlot];
        return slot is { Kind: GatherSlotKind.Counted, Offset: 0, CountOffset: 8, Child: GatherTypeTable.Bytes } ? slot.MaxCount : 0;
    }
}
