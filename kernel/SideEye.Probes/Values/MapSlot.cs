namespace SideEye.Probes.Values;

/// <summary>
/// One full slot of a map as read: the key's and the element's bytes (null when stored indirectly and the
/// pointed-to block could not be read) and their addresses.
/// </summary>
internal readonly record struct MapSlot(byte[]? Key, ulong KeyAddress, byte[]? Value, ulong ValueAddress);

/// <summary>
/// What was read of a map: its full slots, the entry count the map header states, and the first address that
/// could not be read (null if every read succeeded). Fewer slots than <see cref="Count"/> means the map was cut.
/// </summary>
internal sealed record MapContents(IReadOnlyList<MapSlot> Slots, long Count, ulong? Unread);
