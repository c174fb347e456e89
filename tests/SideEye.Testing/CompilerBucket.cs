namespace SideEye.Testing;

/// <summary>
/// A map bucket as the compiler laid it out (testdata/layouts): its size, and each field (topbits, keys, elems,
/// overflow) by name with its offset and size.
/// </summary>
public sealed record CompilerBucket(int Size, IReadOnlyDictionary<string, (int Offset, int Size)> Fields);
