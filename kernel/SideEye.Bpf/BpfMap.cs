using System.Runtime.InteropServices;
using SideEye.Bpf.Internal.Linux;
using SideEye.Bpf.Internal.Sys;

namespace SideEye.Bpf;

/// <summary>
/// A live kernel map. Lookups and updates take spans of exactly the key/value size; per-CPU maps take and return
/// one 8-byte-aligned value slot per possible CPU (<see cref="PossibleCpus"/>).
/// </summary>
public sealed unsafe class BpfMap : IDisposable
{
    readonly FdHandle _fd;

    public MapSpec Spec { get; }
    public string Name => Spec.Name;
    /// <summary>The raw fd, e.g. for a 64-bit map load; valid until disposed.</summary>
    public int Fd => _fd.Value;

    BpfMap(MapSpec spec, FdHandle fd) { Spec = spec; _fd = fd; }

    /// <summary>Creates the map in the kernel (BPF_MAP_CREATE).</summary>
    public static BpfMap Load(MapSpec spec)
    {
        var attr = new MapCreateAttr
        {
            MapType = (uint)spec.Type,
            KeySize = spec.KeySize,
            ValueSize = spec.ValueSize,
            MaxEntries = spec.MaxEntries,
            MapFlags = spec.Flags,
        };
        Internal.Sys.Bpf.WriteName(attr.MapName, spec.Name);
        var fd = Internal.Sys.Bpf.CallFd(BpfCmd.MapCreate, ref attr, $"{spec.Type} map '{spec.Name}' (key {spec.KeySize}, value {spec.ValueSize}, entries {spec.MaxEntries})");
        return new BpfMap(spec, fd);
    }

    /// <summary>The number of CPUs the kernel may ever bring up (/sys/devices/system/cpu/possible), which sizes per-CPU values.</summary>
    public static int PossibleCpus => PossibleCpuCount.Value;

    static readonly Lazy<int> PossibleCpuCount = new(() => ParseCpuList(File.ReadAllText("/sys/devices/system/cpu/possible")));

    /// <summary>"0-3,5,7-8" → 7; gaps count as the kernel iterates the highest id + 1 slots.</summary>
    internal static int ParseCpuList(string list)
    {
        var highest = -1;
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-');
            var last = int.Parse(dash < 0 ? part : part[(dash + 1)..]);
            highest = Math.Max(highest, last);
        }
        return highest + 1;
    }

    /// <summary>Bytes a lookup writes: the value size, or one 8-byte-rounded slot per possible CPU for per-CPU maps.</summary>
    public int ValueBufferSize => Spec.IsPerCpu ? PerCpuStride * PossibleCpus : (int)Spec.ValueSize;
    int PerCpuStride => (int)((Spec.ValueSize + 7) & ~7u);

    /// <summary>Reads the value for <paramref name="key"/> into <paramref name="value"/>; false if there is none.</summary>
    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        if (value.Length != ValueBufferSize) throw new ArgumentException($"map '{Name}' values take {ValueBufferSize} bytes, got {value.Length}", nameof(value));
        fixed (byte* k = key) fixed (byte* v = value)
        {
            var attr = new MapElemAttr { MapFd = (uint)Fd, Key = (ulong)k, Value = (ulong)v };
            var r = Internal.Sys.Bpf.Call(BpfCmd.MapLookupElem, ref attr);
            if (r == -Errno.ENOENT) return false;
            if (r < 0) throw new BpfException("BPF_MAP_LOOKUP_ELEM", -r, $"map '{Name}'");
            return true;
        }
    }

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/> (BPF_ANY).</summary>
    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        if (value.Length != ValueBufferSize) throw new ArgumentException($"map '{Name}' values take {ValueBufferSize} bytes, got {value.Length}", nameof(value));
        fixed (byte* k = key) fixed (byte* v = value)
        {
            var attr = new MapElemAttr { MapFd = (uint)Fd, Key = (ulong)k, Value = (ulong)v, Flags = (ulong)flags };
            var r = Internal.Sys.Bpf.Call(BpfCmd.MapUpdateElem, ref attr);
            if (r < 0) throw new BpfException("BPF_MAP_UPDATE_ELEM", -r, $"map '{Name}'");
        }
    }

    /// <summary>Removes <paramref name="key"/>; false if it was absent. Array maps cannot delete (EINVAL).</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        fixed (byte* k = key)
        {
            var attr = new MapElemAttr { MapFd = (uint)Fd, Key = (ulong)k };
            var r = Internal.Sys.Bpf.Call(BpfCmd.MapDeleteElem, ref attr);
            if (r == -Errno.ENOENT) return false;
            if (r < 0) throw new BpfException("BPF_MAP_DELETE_ELEM", -r, $"map '{Name}'");
            return true;
        }
    }

    /// <summary>The key after <paramref name="key"/> (or the first key when <paramref name="key"/> is empty); false at the end.</summary>
    public bool TryNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (!key.IsEmpty) CheckKey(key);
        if (nextKey.Length != Spec.KeySize) throw new ArgumentException($"map '{Name}' keys take {Spec.KeySize} bytes", nameof(nextKey));
        fixed (byte* k = key) fixed (byte* n = nextKey)
        {
            var attr = new MapElemAttr { MapFd = (uint)Fd, Key = key.IsEmpty ? 0 : (ulong)k, Value = (ulong)n };
            var r = Internal.Sys.Bpf.Call(BpfCmd.MapGetNextKey, ref attr);
            if (r == -Errno.ENOENT) return false;
            if (r < 0) throw new BpfException("BPF_MAP_GET_NEXT_KEY", -r, $"map '{Name}'");
            return true;
        }
    }

    /// <summary>All keys, in the kernel's order. Keys deleted meanwhile may restart the walk (a hash map property).</summary>
    public IEnumerable<byte[]> Keys()
    {
        var current = Array.Empty<byte>();
        while (true)
        {
            var next = new byte[Spec.KeySize];
            if (!TryNextKey(current, next)) yield break;
            yield return next;
            current = next;
        }
    }

    // ---- typed helpers over unmanaged keys and values ----

    public bool TryLookup<TKey, TValue>(TKey key, out TValue value) where TKey : unmanaged where TValue : unmanaged
    {
        CheckTyped<TKey, TValue>();
        value = default;
        return TryLookup(MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(ref key)), MemoryMarshal.AsBytes(new Span<TValue>(ref value)));
    }

    public void Update<TKey, TValue>(TKey key, TValue value, MapUpdateFlags flags = MapUpdateFlags.Any) where TKey : unmanaged where TValue : unmanaged
    {
        CheckTyped<TKey, TValue>();
        Update(MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(ref key)), MemoryMarshal.AsBytes(new ReadOnlySpan<TValue>(ref value)), flags);
    }

    public bool Delete<TKey>(TKey key) where TKey : unmanaged => Delete(MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(ref key)));

    /// <summary>A per-CPU map's value on every possible CPU, index = CPU id.</summary>
    public bool TryLookupPerCpu<TKey, TValue>(TKey key, out TValue[] values) where TKey : unmanaged where TValue : unmanaged
    {
        if (!Spec.IsPerCpu) throw new InvalidOperationException($"map '{Name}' is {Spec.Type}, not per-CPU");
        if (sizeof(TValue) != Spec.ValueSize) throw new ArgumentException($"map '{Name}' values are {Spec.ValueSize} bytes, {typeof(TValue).Name} is {sizeof(TValue)}");
        var buffer = new byte[ValueBufferSize];
        values = [];
        if (!TryLookup(MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(ref key)), buffer)) return false;
        values = new TValue[PossibleCpus];
        for (var cpu = 0; cpu < values.Length; cpu++) values[cpu] = MemoryMarshal.Read<TValue>(buffer.AsSpan(cpu * PerCpuStride));
        return true;
    }

    /// <summary>Sets a per-CPU map's value on every possible CPU (one entry per CPU).</summary>
    public void UpdatePerCpu<TKey, TValue>(TKey key, ReadOnlySpan<TValue> values) where TKey : unmanaged where TValue : unmanaged
    {
        if (!Spec.IsPerCpu) throw new InvalidOperationException($"map '{Name}' is {Spec.Type}, not per-CPU");
        if (values.Length != PossibleCpus) throw new ArgumentException($"map '{Name}' needs {PossibleCpus} values, one per possible CPU", nameof(values));
        var buffer = new byte[ValueBufferSize];
        for (var cpu = 0; cpu < values.Length; cpu++) { var v = values[cpu]; MemoryMarshal.Write(buffer.AsSpan(cpu * PerCpuStride), in v); }
        Update(MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(ref key)), buffer);
    }

    void CheckTyped<TKey, TValue>() where TKey : unmanaged where TValue : unmanaged
    {
        if (Spec.IsPerCpu) throw new InvalidOperationException($"map '{Name}' is per-CPU: use TryLookupPerCpu/UpdatePerCpu");
        if (sizeof(TValue) != Spec.ValueSize) throw new ArgumentException($"map '{Name}' values are {Spec.ValueSize} bytes, {typeof(TValue).Name} is {sizeof(TValue)}");
        if (sizeof(TKey) != Spec.KeySize) throw new ArgumentException($"map '{Name}' keys are {Spec.KeySize} bytes, {typeof(TKey).Name} is {sizeof(TKey)}");
    }

    void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != Spec.KeySize) throw new ArgumentException($"map '{Name}' keys take {Spec.KeySize} bytes, got {key.Length}", nameof(key));
    }

    internal FdHandle Handle => _fd;

    public void Dispose() => _fd.Dispose();

    public override string ToString() => $"{Spec.Type} map '{Name}'";
}
