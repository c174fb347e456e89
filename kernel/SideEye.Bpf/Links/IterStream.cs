using SideEye.Bpf.Internal.Linux;

namespace SideEye.Bpf.Links;

/// <summary>Reads an iterator fd; each read(2) runs the program over the next objects (seq_file semantics).</summary>
internal sealed unsafe class IterStream(FdHandle fd, string programName) : Stream
{
    public override bool CanRead => !fd.IsClosed;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.Read(fd.Value, p, (nuint)buffer.Length);
                if (n >= 0) return (int)n;
                var errno = Libc.LastErrno;
                if (errno == Errno.EINTR) continue;
                throw new BpfException("read", errno, $"iterator '{programName}'");
            }
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) fd.Dispose();
        base.Dispose(disposing);
    }
}
