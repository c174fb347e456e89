namespace SideEye.Remote.Connection;

/// <summary>Bytes sent to and received from an agent over all of a connection's sockets, TLS included.</summary>
public sealed class WireCounter
{
    long _sent;
    long _received;

    public long BytesSent => Interlocked.Read(ref _sent);
    public long BytesReceived => Interlocked.Read(ref _received);

    internal int Received(int n)
    {
        Interlocked.Add(ref _received, n);
        return n;
    }

    internal void Sent(int n) => Interlocked.Add(ref _sent, n);
}
