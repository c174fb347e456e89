namespace SideEye.Binary.Dwarf.Types;

/// <summary>Go's reflect.Kind, numbered as the runtime and DW_AT_go_kind number them.</summary>
public enum GoKind : byte
{
    /// <summary>reflect.Invalid</summary>
    Invalid = 0,
    /// <summary>reflect.Bool</summary>
    Bool = 1,
    /// <summary>reflect.Int</summary>
    Int = 2,
    /// <summary>reflect.Int8</summary>
    Int8 = 3,
    /// <summary>reflect.Int16</summary>
    Int16 = 4,
    /// <summary>reflect.Int32</summary>
    Int32 = 5,
    /// <summary>reflect.Int64</summary>
    Int64 = 6,
    /// <summary>reflect.Uint</summary>
    Uint = 7,
    /// <summary>reflect.Uint8</summary>
    Uint8 = 8,
    /// <summary>reflect.Uint16</summary>
    Uint16 = 9,
    /// <summary>reflect.Uint32</summary>
    Uint32 = 10,
    /// <summary>reflect.Uint64</summary>
    Uint64 = 11,
    /// <summary>reflect.Uintptr</summary>
    Uintptr = 12,
    /// <summary>reflect.Float32</summary>
    Float32 = 13,
    /// <summary>reflect.Float64</summary>
    Float64 = 14,
    /// <summary>reflect.Complex64</summary>
    Complex64 = 15,
    /// <summary>reflect.Complex128</summary>
    Complex128 = 16,
    /// <summary>reflect.Array</summary>
    Array = 17,
    /// <summary>reflect.Chan</summary>
    Chan = 18,
    /// <summary>reflect.Func</summary>
    Func = 19,
    /// <summary>reflect.Interface</summary>
    Interface = 20,
    /// <summary>reflect.Map</summary>
    Map = 21,
    /// <summary>reflect.Pointer</summary>
    Pointer = 22,
    /// <summary>reflect.Slice</summary>
    Slice = 23,
    /// <summary>reflect.String</summary>
    String = 24,
    /// <summary>reflect.Struct</summary>
    Struct = 25,
    /// <summary>reflect.UnsafePointer</summary>
    UnsafePointer = 26,
}
