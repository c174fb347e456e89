using System.Runtime.InteropServices;

namespace SideEye;

/// <summary>What .NET leaves out of Unix file handling: the umask, a group's id by name, and giving a file to a group.</summary>
public static class UnixFiles
{
    /// <summary>The id of the group named <paramref name="name"/> in /etc/group, or null when there is none.</summary>
    public static uint? GroupId(string name)
    {
        foreach (var line in File.ReadLines("/etc/group"))
        {
            var f = line.Split(':');
            if (f.Length >= 3 && f[0] == name && uint.TryParse(f[2], out var gid)) return gid;
        }
        return null;
    }

    /// <summary>Gives <paramref name="path"/> to group <paramref name="gid"/> (its owner unchanged); the errno when refused, else 0.</summary>
    public static int ChangeGroup(string path, uint gid) => Chown(path, uint.MaxValue, gid) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>umask(2): sets the process's file-creation mask and returns the one before.</summary>
    public static uint SetUmask(uint mask) => Umask(mask);

    [DllImport("libc", EntryPoint = "umask")]
    static extern uint Umask(uint mask);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    static extern int Chown(string path, uint owner, uint group);
}
