using System.Runtime.InteropServices;

namespace SideEye.Bpf.Internal.Sys;

// One struct per bpf(2) command, laid out as the matching member of union bpf_attr in include/uapi/linux/bpf.h.
// The kernel accepts a shorter attr than its own (missing tail = zero) and rejects a longer one unless the tail is zero.

/// <summary>BPF_MAP_CREATE, up to map_extra (72 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal unsafe struct MapCreateAttr
{
    [FieldOffset(0)] public uint MapType;
    [FieldOffset(4)] public uint KeySize;
    [FieldOffset(8)] public uint ValueSize;
    [FieldOffset(12)] public uint MaxEntries;
    [FieldOffset(16)] public uint MapFlags;
    [FieldOffset(20)] public uint InnerMapFd;
    [FieldOffset(24)] public uint NumaNode;
    [FieldOffset(28)] public fixed byte MapName[16];
    [FieldOffset(44)] public uint MapIfindex;
    [FieldOffset(48)] public uint BtfFd;
    [FieldOffset(52)] public uint BtfKeyTypeId;
    [FieldOffset(56)] public uint BtfValueTypeId;
    [FieldOffset(60)] public uint BtfVmlinuxValueTypeId;
    [FieldOffset(64)] public ulong MapExtra;
}

/// <summary>BPF_MAP_*_ELEM and BPF_MAP_GET_NEXT_KEY (32 bytes); Value doubles as next_key.</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct MapElemAttr
{
    [FieldOffset(0)] public uint MapFd;
    [FieldOffset(8)] public ulong Key;
    [FieldOffset(16)] public ulong Value;
    [FieldOffset(24)] public ulong Flags;
}

/// <summary>BPF_PROG_LOAD, up to log_true_size (144 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal unsafe struct ProgLoadAttr
{
    [FieldOffset(0)] public uint ProgType;
    [FieldOffset(4)] public uint InsnCnt;
    [FieldOffset(8)] public ulong Insns;
    [FieldOffset(16)] public ulong License;
    [FieldOffset(24)] public uint LogLevel;
    [FieldOffset(28)] public uint LogSize;
    [FieldOffset(32)] public ulong LogBuf;
    [FieldOffset(40)] public uint KernVersion;
    [FieldOffset(44)] public uint ProgFlags;
    [FieldOffset(48)] public fixed byte ProgName[16];
    [FieldOffset(64)] public uint ProgIfindex;
    [FieldOffset(68)] public uint ExpectedAttachType;
    [FieldOffset(72)] public uint ProgBtfFd;
    [FieldOffset(76)] public uint FuncInfoRecSize;
    [FieldOffset(80)] public ulong FuncInfo;
    [FieldOffset(88)] public uint FuncInfoCnt;
    [FieldOffset(92)] public uint LineInfoRecSize;
    [FieldOffset(96)] public ulong LineInfo;
    [FieldOffset(104)] public uint LineInfoCnt;
    [FieldOffset(108)] public uint AttachBtfId;
    [FieldOffset(112)] public uint AttachProgFd;
    [FieldOffset(116)] public uint CoreReloCnt;
    [FieldOffset(120)] public ulong FdArray;
    [FieldOffset(128)] public ulong CoreRelos;
    [FieldOffset(136)] public uint CoreReloRecSize;
    [FieldOffset(140)] public uint LogTrueSize;
}

/// <summary>BPF_PROG_TEST_RUN (80 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal struct ProgTestRunAttr
{
    [FieldOffset(0)] public uint ProgFd;
    [FieldOffset(4)] public uint Retval;
    [FieldOffset(8)] public uint DataSizeIn;
    [FieldOffset(12)] public uint DataSizeOut;
    [FieldOffset(16)] public ulong DataIn;
    [FieldOffset(24)] public ulong DataOut;
    [FieldOffset(32)] public uint Repeat;
    [FieldOffset(36)] public uint Duration;
    [FieldOffset(40)] public uint CtxSizeIn;
    [FieldOffset(44)] public uint CtxSizeOut;
    [FieldOffset(48)] public ulong CtxIn;
    [FieldOffset(56)] public ulong CtxOut;
    [FieldOffset(64)] public uint Flags;
    [FieldOffset(68)] public uint Cpu;
    [FieldOffset(72)] public uint BatchSize;
}

/// <summary>BPF_LINK_CREATE with the iter / perf_event arms of its union (48 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct LinkCreateAttr
{
    [FieldOffset(0)] public uint ProgFd;
    [FieldOffset(4)] public uint TargetFd;
    [FieldOffset(8)] public uint AttachType;
    [FieldOffset(12)] public uint Flags;
    /// <summary>iter_info pointer (BPF_TRACE_ITER) or bpf_cookie (BPF_PERF_EVENT).</summary>
    [FieldOffset(16)] public ulong IterInfoOrCookie;
    [FieldOffset(24)] public uint IterInfoLen;
}

/// <summary>BPF_ITER_CREATE (8 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
internal struct IterCreateAttr
{
    [FieldOffset(0)] public uint LinkFd;
    [FieldOffset(4)] public uint Flags;
}

/// <summary>struct perf_event_attr up to config2 and beyond (PERF_ATTR_SIZE_VER5, 112 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 112)]
internal struct PerfEventAttr
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Size;
    [FieldOffset(8)] public ulong Config;
    [FieldOffset(16)] public ulong SamplePeriod;
    [FieldOffset(24)] public ulong SampleType;
    [FieldOffset(32)] public ulong ReadFormat;
    /// <summary>The bitfield word: disabled, inherit, pinned, ... (bit 0 = disabled).</summary>
    [FieldOffset(40)] public ulong Flags;
    [FieldOffset(48)] public uint WakeupEvents;
    [FieldOffset(52)] public uint BpType;
    /// <summary>config1: for uprobes, a pointer to the binary's path (uprobe_path).</summary>
    [FieldOffset(56)] public ulong Config1;
    /// <summary>config2: for uprobes, the file offset (probe_offset).</summary>
    [FieldOffset(64)] public ulong Config2;
}

/// <summary>BPF_BTF_LOAD, up to btf_log_true_size (32 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct BtfLoadAttr
{
    [FieldOffset(0)] public ulong Btf;
    [FieldOffset(8)] public ulong BtfLogBuf;
    [FieldOffset(16)] public uint BtfSize;
    [FieldOffset(20)] public uint BtfLogSize;
    [FieldOffset(24)] public uint BtfLogLevel;
    [FieldOffset(28)] public uint BtfLogTrueSize;
}

/// <summary>struct bpf_func_info: where a subprogram starts and its BTF FUNC type.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuncInfo
{
    public uint InsnOff;
    public uint TypeId;
}
