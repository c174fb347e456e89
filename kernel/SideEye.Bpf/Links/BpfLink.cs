using SideEye.Bpf.Internal.Linux;

namespace SideEye.Bpf.Links;

/// <summary>An attachment of a program to a kernel hook; disposing it detaches the program.</summary>
public abstract class BpfLink : IDisposable
{
    private protected BpfLink(FdHandle fd) => Handle = fd;

    /// <summary>The fd whose lifetime is the attachment (a bpf link or a perf event).</summary>
    private protected FdHandle Handle { get; }

    public bool IsDisposed => Handle.IsClosed;

    public virtual void Dispose()
    {
        Handle.Dispose();
        GC.SuppressFinalize(this);
    }
}
