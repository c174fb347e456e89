namespace SideEye.Bpf;

/// <summary>enum bpf_map_type (only the types SideEye uses).</summary>
public enum MapType : uint
{
    /// <summary>BPF_MAP_TYPE_HASH</summary>
    Hash = 1,
    /// <summary>BPF_MAP_TYPE_ARRAY</summary>
    Array = 2,
    /// <summary>BPF_MAP_TYPE_PERF_EVENT_ARRAY</summary>
    PerfEventArray = 4,
    /// <summary>BPF_MAP_TYPE_PERCPU_HASH</summary>
    PerCpuHash = 5,
    /// <summary>BPF_MAP_TYPE_PERCPU_ARRAY</summary>
    PerCpuArray = 6,
    /// <summary>BPF_MAP_TYPE_LRU_HASH</summary>
    LruHash = 9,
    /// <summary>BPF_MAP_TYPE_RINGBUF: key and value size 0, max entries = data size in bytes (power of two, page multiple).</summary>
    RingBuf = 27,
}
