using System.Security.Cryptography;
using Google.Protobuf;
using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.Bpf.Features;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Loader.Contract.Wire;

/// <summary>
/// A <see cref="SnapshotJob"/> as the agent's protobuf message and back. Instructions keep their symbolic parts
/// (labels, references, map names), which only <see cref="BpfProgram.Load"/> resolves, so the receiving side loads
/// exactly the program that was generated. Reading is strict: a part missing is a one-line error; what the values
/// mean (which helpers, which sizes) is for the receiver's own inspection.
/// </summary>
public static class JobWire
{
    public static M.SnapshotJob ToMessage(SnapshotJob job)
    {
        var p = job.Program;
        var program = new M.Program
        {
            Name = p.Name,
            Type = (uint)p.Type,
            License = p.License,
            AttachTo = p.AttachTo ?? "",
            AttachBtfId = p.AttachBtfId,
            Sleepable = p.Sleepable,
        };
        if (p.AttachType is { } attachType) program.AttachType = (uint)attachType;
        foreach (var i in p.Instructions)
        {
            var m = new M.Instruction
            {
                Opcode = i.OpCode,
                Dst = (uint)i.Dst,
                Src = (uint)i.Src,
                Offset = i.Offset,
                Constant = i.Constant,
                Label = i.Label ?? "",
                Reference = i.Reference ?? "",
                MapName = i.MapName ?? "",
            };
            if (i.GlobalArgs is { } args) m.GlobalArgs = (uint)args;
            program.Instructions.Add(m);
        }
        var message = new M.SnapshotJob
        {
            Pid = job.Pid,
            Program = program,
            Trigger = new M.UprobeSite { BinaryPath = job.Trigger.BinaryPath, FileOffset = job.Trigger.FileOffset },
            Protocol = new M.ProbeProtocol
            {
                ControlMap = job.Protocol.ControlMap,
                ThreadRegistersMap = job.Protocol.ThreadRegistersMap,
                EventsMap = job.Protocol.EventsMap,
                CompletionKind = job.Protocol.CompletionKind,
                CompletionGenerationOffset = job.Protocol.CompletionGenerationOffset,
                TriggerSignal = job.Protocol.TriggerSignal,
            },
            MaxPauseNs = job.MaxPause.Ticks * 100,
        };
        if (job.TriggerThreadId is { } tid) message.TriggerThreadId = tid;
        message.Maps.AddRange(job.Maps.Select(m => new M.Map
        {
            Name = m.Name,
            Type = (uint)m.Type,
            KeySize = m.KeySize,
            ValueSize = m.ValueSize,
            MaxEntries = m.MaxEntries,
            Flags = m.Flags,
        }));
        message.MapEntries.AddRange(job.MapEntries.Select(e => new M.MapEntry
        {
            Map = e.Map,
            Key = ByteString.CopyFrom(e.Key),
            Value = ByteString.CopyFrom(e.Value),
        }));
        message.RequiredFeatures.AddRange(job.RequiredFeatures.Select(f => (uint)f));
        return message;
    }

    public static SnapshotJob FromMessage(M.SnapshotJob message)
    {
        var p = message.Program ?? throw Malformed("it has no program");
        var trigger = message.Trigger ?? throw Malformed("it has no trigger");
        var protocol = message.Protocol ?? throw Malformed("it has no protocol");
        if (p.Instructions.Count == 0) throw Malformed("its program has no instructions");
        if (message.MaxPauseNs <= 0) throw Malformed($"its pause limit is {message.MaxPauseNs} ns");
        var instructions = new Instructions();
        foreach (var i in p.Instructions)
        {
            if (i.Opcode > byte.MaxValue || i.Dst > 15 || i.Src > 15 || i.Offset is < short.MinValue or > short.MaxValue)
                throw Malformed($"instruction {instructions.Count} is out of range");
            instructions.Add(new Instruction
            {
                OpCode = (byte)i.Opcode,
                Dst = (Register)i.Dst,
                Src = (Register)i.Src,
                Offset = (short)i.Offset,
                Constant = i.Constant,
                Label = NullIfEmpty(i.Label),
                Reference = NullIfEmpty(i.Reference),
                MapName = NullIfEmpty(i.MapName),
                GlobalArgs = i.HasGlobalArgs ? (int)i.GlobalArgs : null,
            });
        }
        var program = new ProgramSpec(p.Name, (ProgramType)p.Type, instructions, p.License)
        {
            AttachType = p.HasAttachType ? (AttachType)p.AttachType : null,
            AttachTo = NullIfEmpty(p.AttachTo),
            AttachBtfId = p.AttachBtfId,
            Sleepable = p.Sleepable,
        };
        return new SnapshotJob
        {
            Pid = message.Pid,
            TriggerThreadId = message.HasTriggerThreadId ? message.TriggerThreadId : null,
            MaxPause = TimeSpan.FromTicks(message.MaxPauseNs / 100),
            Program = program,
            Maps = message.Maps.Select(m => new MapSpec(m.Name, (MapType)m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags)).ToArray(),
            MapEntries = message.MapEntries.Select(e => new MapEntry(e.Map, e.Key.ToByteArray(), e.Value.ToByteArray())).ToArray(),
            Trigger = new UprobeSite(trigger.BinaryPath, trigger.FileOffset),
            Protocol = new ProbeProtocol(protocol.ControlMap, protocol.ThreadRegistersMap, protocol.EventsMap,
                protocol.CompletionKind, protocol.CompletionGenerationOffset, protocol.TriggerSignal),
            RequiredFeatures = message.RequiredFeatures.Select(f => (KernelFeature)f).ToArray(),
        };
    }

    /// <summary>
    /// SHA-256 of the job's encoding: what names a loaded probe between calls, and what the agent's audit log records.
    /// The C# protobuf encoder writes fields in number order and the job has no map fields, so equal jobs hash equal.
    /// </summary>
    public static byte[] Sha256(M.SnapshotJob message) => SHA256.HashData(message.ToByteArray());

    static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    static SideEyeException Malformed(string why) => new($"malformed snapshot job: {why}");
}
