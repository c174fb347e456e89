using System.Text.Json;
using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.Bpf.Features;

namespace SideEye.Loader.Run;

/// <summary>
/// A <see cref="SnapshotJob"/> and its <see cref="RawSnapshot"/> as bytes, so the privileged half can run in
/// another process or on another machine (an agent) from what the unprivileged half built. JSON with a format
/// version; instructions keep their symbolic parts (labels, references, map names), which only
/// <see cref="BpfProgram.Load"/> resolves, so the receiving side loads exactly the program that was generated.
/// Reading is strict: anything missing or malformed is a one-line error.
/// </summary>
public static class SnapshotJobWire
{
    public const int FormatVersion = 1;

    public static byte[] WriteJob(SnapshotJob job) => Write(w =>
        {
            w.WriteNumber("pid", job.Pid);
            if (job.TriggerThreadId is { } tid) w.WriteNumber("triggerThreadId", tid);
            w.WriteNumber("maxPauseTicks", job.MaxPause.Ticks);
            w.WriteStartObject("program");
            var p = job.Program;
            w.WriteString("name", p.Name);
            w.WriteNumber("type", (int)p.Type);
            w.WriteString("license", p.License);
            if (p.AttachType is { } at) w.WriteNumber("attachType", (int)at);
            if (p.AttachTo is { } to) w.WriteString("attachTo", to);
            w.WriteNumber("attachBtfId", p.AttachBtfId);
            w.WriteBoolean("sleepable", p.Sleepable);
            w.WriteStartArray("instructions");
            foreach (var i in p.Instructions)
            {
                w.WriteStartArray();
                w.WriteNumberValue(i.OpCode);
                w.WriteNumberValue((int)i.Dst);
                w.WriteNumberValue((int)i.Src);
                w.WriteNumberValue(i.Offset);
                w.WriteNumberValue(i.Constant);
                WriteNullable(w, i.Label);
                WriteNullable(w, i.Reference);
                WriteNullable(w, i.MapName);
                if (i.GlobalArgs is { } args) w.WriteNumberValue(args); else w.WriteNullValue();
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("maps");
            foreach (var m in job.Maps)
            {
                w.WriteStartObject();
                w.WriteString("name", m.Name);
                w.WriteNumber("type", (int)m.Type);
                w.WriteNumber("keySize", m.KeySize);
                w.WriteNumber("valueSize", m.ValueSize);
                w.WriteNumber("maxEntries", m.MaxEntries);
                w.WriteNumber("flags", m.Flags);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("mapEntries");
            foreach (var e in job.MapEntries)
            {
                w.WriteStartObject();
                w.WriteString("map", e.Map);
                w.WriteBase64String("key", e.Key);
                w.WriteBase64String("value", e.Value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("trigger");
            w.WriteString("binaryPath", job.Trigger.BinaryPath);
            w.WriteNumber("fileOffset", job.Trigger.FileOffset);
            w.WriteEndObject();
            var pr = job.Protocol;
            w.WriteStartObject("protocol");
            w.WriteString("controlMap", pr.ControlMap);
            w.WriteString("threadRegistersMap", pr.ThreadRegistersMap);
            w.WriteString("eventsMap", pr.EventsMap);
            w.WriteNumber("completionKind", pr.CompletionKind);
            w.WriteNumber("completionGenerationOffset", pr.CompletionGenerationOffset);
            w.WriteNumber("triggerSignal", pr.TriggerSignal);
            w.WriteEndObject();
            w.WriteStartArray("requiredFeatures");
            foreach (var f in job.RequiredFeatures) w.WriteNumberValue((int)f);
            w.WriteEndArray();
        });

    public static SnapshotJob ReadJob(ReadOnlySpan<byte> bytes)
    {
        return Read(bytes, "snapshot job", root =>
        {
            Version(root);
            var p = Get(root, "program");
            var instructions = new Instructions();
            foreach (var i in Get(p, "instructions").EnumerateArray())
            {
                var f = i.EnumerateArray().ToArray();
                if (f.Length != 9) throw Bad("an instruction has " + f.Length + " fields, not 9");
                instructions.Add(new Instruction
                {
                    OpCode = f[0].GetByte(),
                    Dst = (Register)f[1].GetInt32(),
                    Src = (Register)f[2].GetInt32(),
                    Offset = f[3].GetInt16(),
                    Constant = f[4].GetInt64(),
                    Label = f[5].GetString(),
                    Reference = f[6].GetString(),
                    MapName = f[7].GetString(),
                    GlobalArgs = f[8].ValueKind == JsonValueKind.Null ? null : f[8].GetInt32(),
                });
            }
            var program = new ProgramSpec(Get(p, "name").GetString()!, (ProgramType)Get(p, "type").GetInt32(), instructions, Get(p, "license").GetString()!)
            {
                AttachType = p.TryGetProperty("attachType", out var at) ? (AttachType)at.GetInt32() : null,
                AttachTo = p.TryGetProperty("attachTo", out var to) ? to.GetString() : null,
                AttachBtfId = Get(p, "attachBtfId").GetUInt32(),
                Sleepable = Get(p, "sleepable").GetBoolean(),
            };
            var maps = Get(root, "maps").EnumerateArray().Select(m => new MapSpec(Get(m, "name").GetString()!, (MapType)Get(m, "type").GetInt32(),
                Get(m, "keySize").GetUInt32(), Get(m, "valueSize").GetUInt32(), Get(m, "maxEntries").GetUInt32(), Get(m, "flags").GetUInt32())).ToArray();
            var entries = Get(root, "mapEntries").EnumerateArray().Select(e => new MapEntry(Get(e, "map").GetString()!, Get(e, "key").GetBytesFromBase64(), Get(e, "value").GetBytesFromBase64())).ToArray();
            var trigger = Get(root, "trigger");
            var pr = Get(root, "protocol");
            return new SnapshotJob
            {
                Pid = Get(root, "pid").GetInt32(),
                TriggerThreadId = root.TryGetProperty("triggerThreadId", out var tid) ? tid.GetInt32() : null,
                MaxPause = TimeSpan.FromTicks(Get(root, "maxPauseTicks").GetInt64()),
                Program = program,
                Maps = maps,
                MapEntries = entries,
                Trigger = new UprobeSite(Get(trigger, "binaryPath").GetString()!, Get(trigger, "fileOffset").GetUInt64()),
                Protocol = new ProbeProtocol(Get(pr, "controlMap").GetString()!, Get(pr, "threadRegistersMap").GetString()!, Get(pr, "eventsMap").GetString()!,
                    Get(pr, "completionKind").GetUInt32(), Get(pr, "completionGenerationOffset").GetInt32(), Get(pr, "triggerSignal").GetInt32()),
                RequiredFeatures = Get(root, "requiredFeatures").EnumerateArray().Select(f => (KernelFeature)f.GetInt32()).ToArray(),
            };
        });
    }

    public static byte[] WriteResult(RawSnapshot raw) => Write(w =>
        {
            w.WriteNumber("pid", raw.Pid);
            w.WriteBoolean("completed", raw.Completed);
            w.WriteNumber("maxPauseTicks", raw.MaxPause.Ticks);
            w.WriteStartArray("records");
            foreach (var r in raw.Records) w.WriteBase64StringValue(r);
            w.WriteEndArray();
            w.WriteStartArray("threads");
            foreach (var t in raw.Threads)
            {
                w.WriteStartArray();
                w.WriteNumberValue(t.Tid);
                w.WriteNumberValue(t.Registers.Pc);
                w.WriteNumberValue(t.Registers.Sp);
                w.WriteNumberValue(t.Registers.Bp);
                var general = t.Registers.General;
                foreach (var r in general) w.WriteNumberValue(r);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            var s = raw.Timings;
            w.WriteStartArray("timingsNs");
            foreach (var v in new[] { s.PauseNs, s.StopNs, s.ArmNs, s.TriggerNs, s.ProbeWaitNs, s.ResumeNs, s.TriggeredAtNs, s.CompletedAtNs }) w.WriteNumberValue(v);
            w.WriteEndArray();
        });

    /// <summary>One JSON object: the format version, then what <paramref name="body"/> writes.</summary>
    static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", FormatVersion);
            body(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static RawSnapshot ReadResult(ReadOnlySpan<byte> bytes)
    {
        return Read(bytes, "snapshot result", root =>
        {
            Version(root);
            var records = Get(root, "records").EnumerateArray().Select(r => r.GetBytesFromBase64()).ToArray();
            var threads = Get(root, "threads").EnumerateArray().Select(t =>
            {
                var f = t.EnumerateArray().ToArray();
                if (f.Length != 4 + GeneralRegisters.Count) throw Bad($"a thread has {f.Length} fields, not {4 + GeneralRegisters.Count}");
                var general = new GeneralRegisters();
                for (var i = 0; i < GeneralRegisters.Count; i++) general[i] = f[4 + i].GetUInt64();
                return new StoppedThread(f[0].GetInt32(), new ThreadRegisters(f[1].GetUInt64(), f[2].GetUInt64(), f[3].GetUInt64(), general));
            }).ToArray();
            var n = Get(root, "timingsNs").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            if (n.Length != 8) throw Bad($"{n.Length} timings, not 8");
            return new RawSnapshot(Get(root, "pid").GetInt32(), records, Get(root, "completed").GetBoolean(), threads,
                new PauseTimings(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]), TimeSpan.FromTicks(Get(root, "maxPauseTicks").GetInt64()));
        });
    }

    static T Read<T>(ReadOnlySpan<byte> bytes, string what, Func<JsonElement, T> read)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            using var document = JsonDocument.ParseValue(ref reader);
            return read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new SideEyeException($"malformed {what}: {e.Message.Split(Environment.NewLine)[0]}", e);
        }
    }

    static void Version(JsonElement root)
    {
        var v = Get(root, "version").GetInt32();
        if (v != FormatVersion) throw Bad($"format version {v}, this SideEye reads {FormatVersion}");
    }

    static JsonElement Get(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v : throw Bad($"'{name}' is missing");

    static FormatException Bad(string why) => new(why);

    static void WriteNullable(Utf8JsonWriter w, string? s)
    {
        if (s is null) w.WriteNullValue();
        else w.WriteStringValue(s);
    }
}
