namespace SideEye.Fleet.Files;

/// <summary>One key of a JSON object, with the byte offset of the key (where an unknown or misplaced key is reported).</summary>
sealed record JsonMemberAt(string Name, long NameOffset, JsonValueAt Value);
