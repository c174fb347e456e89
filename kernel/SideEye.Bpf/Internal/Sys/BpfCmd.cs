namespace SideEye.Bpf.Internal.Sys;

/// <summary>enum bpf_cmd: the first argument of bpf(2).</summary>
internal enum BpfCmd
{
    MapCreate = 0,
    MapLookupElem = 1,
    MapUpdateElem = 2,
    MapDeleteElem = 3,
    MapGetNextKey = 4,
    ProgLoad = 5,
    ProgTestRun = 10,
    ObjGetInfoByFd = 15,
    BtfLoad = 18,
    LinkCreate = 28,
    IterCreate = 33,
}
