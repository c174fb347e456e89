using System.Buffers.Binary;
using System.IO.Compression;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// Just enough of PNG to read a browser's screenshot: 8-bit RGB or RGBA, not interlaced. The IDAT chunks are one
/// zlib stream of scanlines, each a filter byte and the filtered bytes (PNG specification, section 9).
/// </summary>
sealed class Png
{
    public int Width { get; }
    public int Height { get; }
    readonly byte[] _pixels; // RGB, row by row
    static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a];

    Png(int width, int height, byte[] pixels) => (Width, Height, _pixels) = (width, height, pixels);

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = (y * Width + x) * 3;
            return (_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }
    }

    public static Png Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!bytes.AsSpan(0, 8).SequenceEqual(Signature)) throw new InvalidDataException($"{path}: not a PNG file");
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var offset = 8; offset < bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(bytes, offset + 4, 4);
            var data = bytes.AsSpan(offset + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    var (depth, color, interlace) = (data[8], data[9], data[12]);
                    channels = color switch { 2 => 3, 6 => 4, _ => 0 };
                    if (depth != 8 || channels == 0 || interlace != 0)
                        throw new InvalidDataException($"{path}: bit depth {depth}, color type {color}, interlace {interlace}; only 8-bit RGB(A) without interlacing is read");
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }
            offset += 12 + length;
            if (type == "IEND") break;
        }
        if (channels == 0) throw new InvalidDataException($"{path}: no IHDR chunk");

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        var stride = width * channels;
        var previous = new byte[stride];
        var current = new byte[stride];
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var filter = zlib.ReadByte();
            if (filter < 0) throw new InvalidDataException($"{path}: image data ends at row {y} of {height}");
            zlib.ReadExactly(current);
            Unfilter((byte)filter, current, previous, channels);
            for (var x = 0; x < width; x++)
                for (var c = 0; c < 3; c++)
                    pixels[(y * width + x) * 3 + c] = current[x * channels + c];
            (previous, current) = (current, previous);
        }
        return new Png(width, height, pixels);
    }

    /// <summary>Reverses a scanline's filter in place: a is the byte one pixel to the left, b the one above, c above-left.</summary>
    static void Unfilter(byte filter, byte[] line, byte[] above, int bpp)
    {
        for (var i = 0; i < line.Length; i++)
        {
            int a = i >= bpp ? line[i - bpp] : 0, b = above[i], c = i >= bpp ? above[i - bpp] : 0;
            line[i] += filter switch
            {
                0 => 0,
                1 => (byte)a,
                2 => (byte)b,
                3 => (byte)((a + b) / 2),
                4 => Paeth(a, b, c),
                _ => throw new InvalidDataException($"PNG filter type {filter}"),
            };
        }
    }

    static byte Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }
}
