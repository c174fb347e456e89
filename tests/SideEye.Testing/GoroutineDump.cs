using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SideEye.Testing;

/// <summary>
/// Parses the text of runtime.Stack(buf, true) (also a panic's or SIGQUIT's goroutine dump) as Go 1.19–1.26
/// print it (runtime/traceback.go: goroutineheader, traceback, printcreatedby). Anything it does not
/// recognise is a <see cref="FormatException"/> naming the line, never silently skipped.
/// <code>
/// goroutine 18 [chan receive, 2 minutes, locked to thread]:
/// main.recv(0xc000010000)
///         /src/main.go:12 +0x25
/// ...201 frames elided...
/// created by main.main in goroutine 1
///         /src/main.go:30 +0x5c
/// </code>
/// Header variations: 1.22+ adds " gp=0x… m=N mp=0x…" after the goid at GOTRACEBACK=system; 1.24 adds
/// ", synctest group N", 1.25+ ", synctest bubble N" and " (durable)"; 1.26 adds " (leaked)" and, with
/// GODEBUG=tracebacklabels=1, " labels:{"k": "v", …}". Before 1.21 "created by F" has no goroutine and a long
/// stack ends in "...additional frames elided..."; from 1.21 the middle of the stack is cut with "...N frames elided...".
/// </summary>
public static partial class GoroutineDump
{
    public static IReadOnlyList<DumpGoroutine> ParseFile(string path) => Parse(File.ReadAllText(path));

    public static IReadOnlyList<DumpGoroutine> Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var result = new List<DumpGoroutine>();
        var i = 0;
        while (i < lines.Length)
        {
            if (lines[i].Length == 0) { i++; continue; }
            result.Add(ParseGoroutine(lines, ref i));
        }
        return result;
    }

    [GeneratedRegex(@"^goroutine (\d+)(?: gp=0x[0-9a-f]+ m=(?:\d+ mp=0x[0-9a-f]+|nil))? \[(.*)\]:$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^\t(.+):(\d+)(?: \+0x([0-9a-f]+))?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+)?$")]
    private static partial Regex Location();

    [GeneratedRegex(@"^created by (.+?)(?: in goroutine (\d+))?$")]
    private static partial Regex CreatedBy();

    [GeneratedRegex(@"^\.\.\.(\d+) frames elided\.\.\.$")]
    private static partial Regex FramesElided();

    [GeneratedRegex(@"^\[originating from goroutine (\d+)\]:$")]
    private static partial Regex Originating();

    [GeneratedRegex(@"^(\d+) minutes$")]
    private static partial Regex Minutes();

    [GeneratedRegex(@"^synctest (?:group|bubble) (\d+)$")]
    private static partial Regex Synctest();

    static DumpGoroutine ParseGoroutine(string[] lines, ref int i)
    {
        var headerLine = i + 1;
        var m = Header().Match(lines[i]);
        if (!m.Success) throw Error(headerLine, lines[i], "expected a \"goroutine N [status]:\" header");
        var goid = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var h = ParseBrackets(m.Groups[2].Value, headerLine, lines[i]);
        i++;

        var frames = new List<DumpFrame>();
        var ancestors = new List<long>();
        string? createdByFunc = null;
        long? createdByGoid = null;
        DumpFrame? createdAt = null;
        var elided = false;
        int? elidedFrames = null;
        var unavailable = false;
        var inAncestor = false;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            var line = lines[i];
            if (line == "...additional frames elided...")
            {
                if (!inAncestor) elided = true;
                continue;
            }
            if (FramesElided().Match(line) is { Success: true } fe)
            {
                elided = true;
                elidedFrames = int.Parse(fe.Groups[1].Value, CultureInfo.InvariantCulture);
                continue;
            }
            if (line == "\tgoroutine running on other thread; stack unavailable")
            {
                unavailable = true;
                continue;
            }
            if (Originating().Match(line) is { Success: true } o)
            {
                ancestors.Add(long.Parse(o.Groups[1].Value, CultureInfo.InvariantCulture));
                inAncestor = true;
                continue;
            }
            // Everything else is a pair: a function line, then a tab-indented file:line line.
            if (i + 1 >= lines.Length || lines[i + 1].Length == 0) throw Error(i + 1, line, "a frame without its file:line line");
            var location = ParseLocation(lines[i + 1], i + 2);
            if (CreatedBy().Match(line) is { Success: true } c)
            {
                if (!inAncestor)
                {
                    createdByFunc = c.Groups[1].Value;
                    createdByGoid = c.Groups[2].Success ? long.Parse(c.Groups[2].Value, CultureInfo.InvariantCulture) : null;
                    createdAt = location with { Func = createdByFunc };
                }
            }
            else
            {
                var open = line.LastIndexOf('(');
                if (open <= 0 || !line.EndsWith(')') || line.StartsWith('\t'))
                    throw Error(i + 1, line, "expected \"function(arguments)\"");
                if (!inAncestor) frames.Add(location with { Func = line[..open] });
            }
            i++;
        }
        return new DumpGoroutine(goid, h.Status, h.Minutes, h.Locked, frames, createdByFunc, createdByGoid, createdAt,
            elided, elidedFrames, h.Leaked, h.Scan, h.Bubble, h.Labels, unavailable, ancestors);
    }

    static DumpFrame ParseLocation(string line, int lineNumber)
    {
        var m = Location().Match(line);
        if (!m.Success) throw Error(lineNumber, line, "expected \"\\tfile:line [+0xoffset]\"");
        long? offset = m.Groups[3].Success ? long.Parse(m.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : null;
        return new DumpFrame("", m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), offset);
    }

    sealed record HeaderFields(string Status, int Minutes, bool Locked, bool Leaked, bool Scan, long? Bubble, IReadOnlyDictionary<string, string>? Labels);

    static HeaderFields ParseBrackets(string inside, int lineNumber, string line)
    {
        IReadOnlyDictionary<string, string>? labels = null;
        var labelsAt = inside.IndexOf(" labels:{", StringComparison.Ordinal);
        if (labelsAt >= 0)
        {
            labels = ParseLabels(inside[(labelsAt + " labels:".Length)..], lineNumber, line);
            inside = inside[..labelsAt];
        }
        var parts = inside.Split(", ");
        var status = parts[0];
        var scan = StripSuffix(ref status, " (scan)");
        var leaked = StripSuffix(ref status, " (leaked)");
        if (status.Length == 0) throw Error(lineNumber, line, "empty status");
        int minutes = 0;
        var locked = false;
        long? bubble = null;
        foreach (var part in parts.Skip(1))
        {
            if (Minutes().Match(part) is { Success: true } mm) minutes = int.Parse(mm.Groups[1].Value, CultureInfo.InvariantCulture);
            else if (part == "locked to thread") locked = true;
            else if (Synctest().Match(part) is { Success: true } s) bubble = long.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture);
            else throw Error(lineNumber, line, $"unknown header field \"{part}\"");
        }
        return new HeaderFields(status, minutes, locked, leaked, scan, bubble, labels);
    }

    // Go appends " (leaked)" and " (scan)" to the wait reason; no wait reason contains either.
    static bool StripSuffix(ref string status, string suffix)
    {
        if (!status.Contains(suffix, StringComparison.Ordinal)) return false;
        status = status.Replace(suffix, "", StringComparison.Ordinal);
        return true;
    }

    /// <summary>{"k": "v", …} with Go's runtime quoting (\n \r \t \\ \" \xNN \uNNNN \UNNNNNNNN).</summary>
    static Dictionary<string, string> ParseLabels(string text, int lineNumber, string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var pos = 0;
        Expect('{');
        while (pos < text.Length && text[pos] != '}')
        {
            var key = Quoted();
            Expect(':'); Expect(' ');
            labels[key] = Quoted();
            if (pos < text.Length && text[pos] == ',') { pos++; Expect(' '); }
        }
        Expect('}');
        if (pos != text.Length) throw Error(lineNumber, line, "text after labels");
        return labels;

        void Expect(char c)
        {
            if (pos >= text.Length || text[pos] != c) throw Error(lineNumber, line, $"expected '{c}' in labels at {pos}");
            pos++;
        }

        string Quoted()
        {
            Expect('"');
            var sb = new StringBuilder();
            while (pos < text.Length && text[pos] != '"')
            {
                var c = text[pos++];
                if (c != '\\') { sb.Append(c); continue; }
                if (pos >= text.Length) break;
                var e = text[pos++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'x': sb.Append((char)Hex(2)); break;
                    case 'u': sb.Append(char.ConvertFromUtf32(Hex(4))); break;
                    case 'U': sb.Append(char.ConvertFromUtf32(Hex(8))); break;
                    default: sb.Append(e); break;
                }
            }
            Expect('"');
            return sb.ToString();
        }

        int Hex(int digits)
        {
            if (pos + digits > text.Length) throw Error(lineNumber, line, "short escape in labels");
            var v = int.Parse(text.AsSpan(pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            pos += digits;
            return v;
        }
    }

    static FormatException Error(int lineNumber, string line, string problem) =>
        new($"goroutine dump line {lineNumber}: {problem}: {line}");
}
