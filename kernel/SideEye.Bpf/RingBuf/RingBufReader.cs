using SideEye.Bpf.Internal.Linux;

namespace SideEye.Bpf.RingBuf;

/// <summary>
/// Reads a BPF_MAP_TYPE_RINGBUF map from user space without copying through the kernel. The map exposes one
/// read-write page holding the consumer position, then read-only a page holding the producer position followed by
/// the data area mapped twice in a row, so a record that wraps around is still contiguous. Each record starts with
/// an 8-byte header (u32 length with BUSY and DISCARD flag bits, u32 page offset) and is padded to 8 bytes.
/// </summary>
public sealed unsafe class RingBufReader : IDisposable
{
    const uint BusyBit = 1u << 31;    // BPF_RINGBUF_BUSY_BIT: reserved, not yet submitted
    const uint DiscardBit = 1u << 30; // BPF_RINGBUF_DISCARD_BIT: the producer dropped it
    const int HeaderSize = 8;         // BPF_RINGBUF_HDR_SZ

    readonly BpfMap _map;
    readonly int _pageSize;
    readonly nuint _producerLength;
    readonly ulong _mask;
    readonly FdHandle _epoll;
    nint _consumer, _producer;

    /// <summary>Size of the data area in bytes (the map's max entries).</summary>
    public int Size { get; }

    RingBufReader(BpfMap map, int pageSize, nint consumer, nint producer, nuint producerLength, FdHandle epoll)
    {
        _map = map;
        _pageSize = pageSize;
        _consumer = consumer;
        _producer = producer;
        _producerLength = producerLength;
        _epoll = epoll;
        Size = (int)map.Spec.MaxEntries;
        _mask = map.Spec.MaxEntries - 1;
    }

    /// <summary>Maps the ring buffer and registers it with epoll. The map must outlive the reader.</summary>
    public static RingBufReader Open(BpfMap map)
    {
        if (map.Spec.Type != MapType.RingBuf) throw new ArgumentException($"{map} is not a ring buffer", nameof(map));
        var page = Libc.GetPageSize();
        var size = (nuint)map.Spec.MaxEntries;
        var consumer = Libc.Mmap(0, (nuint)page, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, map.Fd, 0);
        if (consumer == Libc.MapFailed) throw new BpfException("mmap", Libc.LastErrno, $"consumer page of ring buffer '{map.Name}'");
        var producerLength = (nuint)page + 2 * size;
        var producer = Libc.Mmap(0, producerLength, Libc.ProtRead, Libc.MapShared, map.Fd, page);
        if (producer == Libc.MapFailed)
        {
            var errno = Libc.LastErrno;
            Libc.Munmap(consumer, (nuint)page);
            throw new BpfException("mmap", errno, $"producer pages of ring buffer '{map.Name}'");
        }
        FdHandle? epoll = null;
        try
        {
            var ep = Libc.EpollCreate1(Libc.EpollCloexec);
            if (ep < 0) throw new BpfException("epoll_create1", Libc.LastErrno, $"for ring buffer '{map.Name}'");
            epoll = new FdHandle(ep);
            var ev = stackalloc byte[Libc.EpollEventSize];
            new Span<byte>(ev, Libc.EpollEventSize).Clear();
            // Edge-triggered: epoll_wait returns for a new wakeup, not merely because unconsumed data is there, so
            // a producer that sends most records without a wakeup (BPF_RB_NO_WAKEUP) can be waited on cheaply.
            *(uint*)ev = Libc.EpollIn | Libc.EpollEt;
            if (Libc.EpollCtl(ep, Libc.EpollCtlAdd, map.Fd, ev) < 0)
                throw new BpfException("epoll_ctl", Libc.LastErrno, $"add ring buffer '{map.Name}'");
            return new RingBufReader(map, page, consumer, producer, producerLength, epoll);
        }
        catch
        {
            epoll?.Dispose();
            Libc.Munmap(consumer, (nuint)page);
            Libc.Munmap(producer, producerLength);
            throw;
        }
    }

    ref ulong ConsumerPos => ref *(ulong*)_consumer;
    ref ulong ProducerPos => ref *(ulong*)_producer;
    byte* Data => (byte*)_producer + _pageSize;

    /// <summary>Bytes submitted or reserved but not yet consumed.</summary>
    public long Pending => (long)(Volatile.Read(ref ProducerPos) - Volatile.Read(ref ConsumerPos));

    /// <summary>
    /// Hands every committed record to <paramref name="handler"/> in order, skipping discarded ones, and stops at the
    /// first record still being written. Returns the number of records delivered.
    /// </summary>
    public int ReadAvailable(RingBufRecordHandler handler, int max = int.MaxValue)
    {
        ObjectDisposedException.ThrowIf(_consumer == 0, this);
        var delivered = 0;
        var cons = Volatile.Read(ref ConsumerPos);
        while (delivered < max)
        {
            var prod = Volatile.Read(ref ProducerPos); // acquire: records below prod have their headers written
            if (cons >= prod) break;
            var header = Data + (cons & _mask);
            var len = Volatile.Read(ref *(uint*)header); // acquire: pairs with the producer's commit
            if ((len & BusyBit) != 0) break;
            var dataLen = len & ~(BusyBit | DiscardBit);
            if ((len & DiscardBit) == 0)
            {
                handler(new ReadOnlySpan<byte>(header + HeaderSize, (int)dataLen));
                delivered++;
            }
            cons += (dataLen + HeaderSize + 7) & ~7ul;
            Volatile.Write(ref ConsumerPos, cons); // release: the producer may reuse the space
        }
        return delivered;
    }

    /// <summary>
    /// Looks through the committed records without consuming them, stopping at the first record still being
    /// written; true as soon as <paramref name="match"/> accepts one.
    /// </summary>
    public bool Find(RingBufRecordPredicate match)
    {
        ulong from = 0;
        return Find(match, ref from);
    }

    /// <summary>
    /// <see cref="Find(RingBufRecordPredicate)"/> from <paramref name="position"/> (0: the oldest unconsumed
    /// record), which it advances past the records looked at, so repeated calls see each record once.
    /// </summary>
    public bool Find(RingBufRecordPredicate match, ref ulong position)
    {
        ObjectDisposedException.ThrowIf(_consumer == 0, this);
        var cons = Math.Max(position, Volatile.Read(ref ConsumerPos));
        var prod = Volatile.Read(ref ProducerPos);
        while (cons < prod)
        {
            var header = Data + (cons & _mask);
            var len = Volatile.Read(ref *(uint*)header);
            if ((len & BusyBit) != 0) break;
            var dataLen = len & ~(BusyBit | DiscardBit);
            var found = (len & DiscardBit) == 0 && match(new ReadOnlySpan<byte>(header + HeaderSize, (int)dataLen));
            cons += (dataLen + HeaderSize + 7) & ~7ul;
            if (found)
            {
                position = cons;
                return true;
            }
        }
        position = cons;
        return false;
    }

    /// <summary>
    /// Blocks until the producer sends a wakeup (whether or not data was already pending) or
    /// <paramref name="timeout"/> passes; true on a wakeup. A wakeup sent before the call is not lost.
    /// </summary>
    public bool WaitForWakeup(TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_consumer == 0, this);
        var events = stackalloc byte[Libc.EpollEventSize * 4];
        var deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        while (true)
        {
            var left = (int)Math.Max(0, deadline - Environment.TickCount64);
            var n = Libc.EpollWait(_epoll.Value, events, 4, left);
            if (n > 0) return true;
            if (n < 0 && Libc.LastErrno is var errno && errno != Errno.EINTR)
                throw new BpfException("epoll_wait", errno, $"ring buffer '{_map.Name}'");
            if (n == 0 && left == 0) return false;
        }
    }

    /// <summary>The next committed record, copied out; false if none is ready.</summary>
    public bool TryRead(out byte[] record)
    {
        byte[]? got = null;
        ReadAvailable(r => got = r.ToArray(), max: 1);
        record = got ?? [];
        return got is not null;
    }

    /// <summary>All committed records, copied out.</summary>
    public List<byte[]> ReadAll()
    {
        var list = new List<byte[]>();
        ReadAvailable(r => list.Add(r.ToArray()));
        return list;
    }

    /// <summary>Blocks until the kernel signals new data or <paramref name="timeout"/> passes; true if data is pending.</summary>
    public bool Wait(TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_consumer == 0, this);
        if (Pending > 0) return true;
        var events = stackalloc byte[Libc.EpollEventSize * 4];
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            var left = (int)Math.Max(0, deadline - Environment.TickCount64);
            var n = Libc.EpollWait(_epoll.Value, events, 4, left);
            if (n < 0)
            {
                var errno = Libc.LastErrno;
                if (errno == Errno.EINTR) continue;
                throw new BpfException("epoll_wait", errno, $"ring buffer '{_map.Name}'");
            }
            if (Pending > 0) return true;
            if (left == 0) return false;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the next record.</summary>
    public bool TryRead(TimeSpan timeout, out byte[] record)
    {
        if (TryRead(out record)) return true;
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Wait(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64))))
        {
            if (TryRead(out record)) return true;
            if (Environment.TickCount64 >= deadline) break;
            Thread.Yield(); // pending but still busy: the producer is mid-write
        }
        return false;
    }

    public void Dispose()
    {
        Unmap();
        _epoll.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The mappings pin the map in the kernel; release them even if the owner forgot to dispose.</summary>
    ~RingBufReader() => Unmap();

    void Unmap()
    {
        if (_consumer == 0) return;
        Libc.Munmap(_consumer, (nuint)_pageSize);
        Libc.Munmap(_producer, _producerLength);
        _consumer = _producer = 0;
    }
}
