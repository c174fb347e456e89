using System.Buffers.Binary;
using System.Text;

namespace SideEye.Binary.Dwarf;

/// <summary>
/// A bounds-checked little-endian cursor over part of a DWARF section: fixed-size integers, LEB128,
/// offsets (32/64-bit DWARF), addresses and C strings. Every overrun throws <see cref="BinaryFormatException"/>
/// naming the section and offset, so callers never see IndexOutOfRange.
/// </summary>
internal ref struct DwarfReader
{
    readonly ReadOnlySpan<byte> _data;   // the whole section
    readonly DwarfSection _section;
    int _pos;
    readonly int _end;

    public DwarfReader(DwarfSection section, int start, int end)
    {
        _section = section;
        _data = section.Data.Span;
        _pos = start;
        _end = end;
    }

    public int Position
    {
        readonly get => _pos;
        set
        {
            if (value < 0 || value > _end) throw _section.Error($"seek to 0x{value:x} past the end 0x{_end:x}", value);
            _pos = value;
        }
    }

    public readonly int End => _end;
    public readonly bool AtEnd => _pos >= _end;
    public readonly int Remaining => _end - _pos;
    public readonly DwarfSection Section => _section;

    public readonly BinaryFormatException Error(string problem) => _section.Error(problem, _pos);

    void Need(int n)
    {
        if (n < 0 || _end - _pos < n) throw _section.Error($"truncated: need {n} bytes, {_end - _pos} left", _pos);
    }

    public byte U8()
    {
        Need(1);
        return _data[_pos++];
    }

    public ushort U16()
    {
        Need(2);
        var v = BinaryPrimitives.ReadUInt16LittleEndian(_data[_pos..]);
        _pos += 2;
        return v;
    }

    public uint U24()
    {
        Need(3);
        var v = (uint)(_data[_pos] | _data[_pos + 1] << 8 | _data[_pos + 2] << 16);
        _pos += 3;
        return v;
    }

    public uint U32()
    {
        Need(4);
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    public ulong U64()
    {
        Need(8);
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    /// <summary>An unsigned integer of 1, 2, 4 or 8 bytes (address and offset sizes).</summary>
    public ulong Sized(int size) => size switch
    {
        1 => U8(),
        2 => U16(),
        4 => U32(),
        8 => U64(),
        _ => throw Error($"unsupported operand size {size}"),
    };

    public ulong Address(int addressSize) => Sized(addressSize);

    /// <summary>A section offset: 4 bytes in 32-bit DWARF, 8 in 64-bit DWARF.</summary>
    public ulong Offset(bool is64) => is64 ? U64() : U32();

    public ulong Uleb()
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            if (_pos >= _end) throw _section.Error("truncated LEB128", _pos);
            var b = _data[_pos++];
            if (shift < 64) result |= (ulong)(b & 0x7f) << shift;
            else if ((b & 0x7f) != 0) throw _section.Error("LEB128 value does not fit in 64 bits", _pos - 1);
            shift += 7;
            if ((b & 0x80) == 0) return result;
            if (shift > 70) throw _section.Error("LEB128 longer than 10 bytes", _pos - 1);
        }
    }

    public long Sleb()
    {
        long result = 0;
        var shift = 0;
        byte b;
        do
        {
            if (_pos >= _end) throw _section.Error("truncated LEB128", _pos);
            b = _data[_pos++];
            if (shift < 64) result |= (long)(b & 0x7f) << shift;
            shift += 7;
            if (shift > 70) throw _section.Error("LEB128 longer than 10 bytes", _pos - 1);
        } while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0) result |= -1L << shift;
        return result;
    }

    /// <summary>A ULEB128 that must fit an int (counts, lengths, indexes).</summary>
    public int UlebInt()
    {
        var start = _pos;
        var v = Uleb();
        if (v > int.MaxValue) throw _section.Error($"value {v} too large", start);
        return (int)v;
    }

    public void Skip(long n)
    {
        if (n < 0 || n > _end - _pos) throw _section.Error($"truncated: cannot skip {n} bytes, {_end - _pos} left", _pos);
        _pos += (int)n;
    }

    public ReadOnlySpan<byte> Bytes(long n)
    {
        var start = _pos;
        Skip(n);
        return _data.Slice(start, (int)n);
    }

    /// <summary>The bytes of a NUL-terminated string (without the NUL); the cursor moves past the NUL.</summary>
    public ReadOnlySpan<byte> CStringBytes()
    {
        var rest = _data[_pos.._end];
        var nul = rest.IndexOf((byte)0);
        if (nul < 0) throw _section.Error("unterminated string", _pos);
        _pos += nul + 1;
        return rest[..nul];
    }

    public string CString() => Encoding.UTF8.GetString(CStringBytes());

    /// <summary>
    /// Reads an initial length field. Returns the unit length and sets <paramref name="is64"/> for the
    /// 0xffffffff escape of 64-bit DWARF.
    /// </summary>
    public ulong InitialLength(out bool is64)
    {
        var len = U32();
        is64 = false;
        if (len < 0xfffffff0) return len;
        if (len == 0xffffffff)
        {
            is64 = true;
            return U64();
        }
        throw _section.Error($"reserved initial length 0x{len:x}", _pos - 4);
    }

    /// <summary>End of a length-prefixed unit starting at the current position, checked against the reader's end.</summary>
    public int UnitEnd(ulong length)
    {
        if (length > (ulong)(_end - _pos)) throw _section.Error($"unit length 0x{length:x} runs past the end of the section", _pos);
        return _pos + (int)length;
    }
}
