using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;

namespace SideEye.Agent.Security;

/// <summary>
/// Who is at the other end of a Unix socket, as the kernel says (SO_PEERCRED: the peer's pid, uid and gid when it
/// connected), and whether that peer may use the agent: root, or a member of the socket's group.
/// </summary>
public sealed record UnixPeer(int Pid, uint Uid, uint Gid)
{
    const int SolSocket = 1;
    const int SoPeerCred = 17;

    public static UnixPeer Read(Socket socket)
    {
        Span<byte> credentials = stackalloc byte[12];
        var n = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        if (n != 12) throw new SideEyeException($"SO_PEERCRED gave {n} bytes, not 12");
        return new UnixPeer(BinaryPrimitives.ReadInt32LittleEndian(credentials), BinaryPrimitives.ReadUInt32LittleEndian(credentials[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(credentials[8..]));
    }

    /// <summary>How the peer is named in the audit log.</summary>
    public override string ToString() => Pid > 0 ? $"unix uid {Uid} pid {Pid}" : $"unix uid {Uid}";

    /// <summary>Null when the peer may use the agent: root, or (with a socket group) a member of it; else why not.</summary>
    public string? Refusal(uint? groupId)
    {
        if (Uid == 0) return null;
        if (groupId is not { } group) return $"{this} is not root, and the agent's socket admits root only (--group admits a group)";
        return Gid == group || SupplementaryGroups().Contains(group) ? null : $"{this} is neither root nor in group {group}";
    }

    /// <summary>The peer process's groups (/proc/PID/status); none when its pid is not visible from here (another PID namespace).</summary>
    IReadOnlyList<uint> SupplementaryGroups()
    {
        if (Pid <= 0) return [];
        try
        {
            var line = File.ReadLines($"/proc/{Pid}/status").FirstOrDefault(l => l.StartsWith("Groups:", StringComparison.Ordinal));
            return line is null ? [] : line["Groups:".Length..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
                .Select(g => uint.Parse(g, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return []; }
    }
}
