using System.Globalization;
using System.Text;

namespace SideEye.Probes.Specs;

/// <summary>
/// Recursive descent over the capture expression grammar:
/// <code>
/// expr    = "*" expr | postfix
/// postfix = primary { "." ident | "." "(" type ")" | "[" (int | string) "]" }
/// type    = { "*" } ident { "." ident }      (a Go type name, package path included or its last element only)
/// primary = ("len" | "cap") "(" expr ")" | ident | "(" expr ")"
/// ident   = letter { letter | digit | "/" | "-" }     (so package paths such as net/http are one name)
/// </code>
/// Errors name the column and what was expected.
/// </summary>
internal sealed class CaptureExpressionParser
{
    readonly string _text;
    int _pos;

    CaptureExpressionParser(string text) => _text = text;

    public static CaptureExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = new CaptureExpressionParser(text);
        p.SkipSpace();
        if (p.AtEnd) throw p.Error("an empty expression");
        var e = p.Expression();
        p.SkipSpace();
        if (!p.AtEnd) throw p.Error($"unexpected '{p.Current}' after {e}");
        return e;
    }

    bool AtEnd => _pos >= _text.Length;
    char Current => _text[_pos];
    int Column => _pos + 1;

    CaptureSpecException Error(string why) => new($"expression \"{_text}\" at column {Column}", why);

    void SkipSpace()
    {
        while (!AtEnd && char.IsWhiteSpace(Current)) _pos++;
    }

    bool Accept(char c)
    {
        SkipSpace();
        if (AtEnd || Current != c) return false;
        _pos++;
        return true;
    }

    void Expect(char c)
    {
        if (!Accept(c)) throw Error(AtEnd ? $"expected '{c}' at the end" : $"expected '{c}', found '{Current}'");
    }

    CaptureExpression Expression()
    {
        SkipSpace();
        var column = Column;
        if (Accept('*')) return new DerefExpression(Expression()) { Column = column };
        return Postfix();
    }

    CaptureExpression Postfix()
    {
        var e = Primary();
        while (true)
        {
            SkipSpace();
            var column = Column;
            if (Accept('.')) e = Accept('(') ? new TypeAssertExpression(e, TypeName()) { Column = column } : new FieldExpression(e, Identifier("a field name after '.'")) { Column = column };
            else if (Accept('[')) e = new IndexExpression(e, Key()) { Column = column };
            else return e;
        }
    }

    object Key()
    {
        SkipSpace();
        if (AtEnd) throw Error("expected an index or a key, found the end");
        object key;
        if (Current == '"') key = StringLiteral();
        else if (char.IsAsciiDigit(Current) || Current == '-') key = IntegerLiteral();
        else throw Error($"an index must be a constant (an integer or a \"string\"), found '{Current}'");
        Expect(']');
        return key;
    }

    long IntegerLiteral()
    {
        var start = _pos;
        if (Current == '-') _pos++;
        while (!AtEnd && char.IsAsciiDigit(Current)) _pos++;
        var digits = _text[start.._pos];
        if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            _pos = start;
            throw Error($"'{digits}' is not an integer");
        }
        return value;
    }

    string StringLiteral()
    {
        var start = _pos;
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd) { _pos = start; throw Error("a string without its closing quote"); }
            var c = Current;
            _pos++;
            if (c == '"') return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (AtEnd) { _pos = start; throw Error("a string without its closing quote"); }
            var esc = Current;
            _pos++;
            sb.Append(esc switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' => '\\',
                '"' => '"',
                _ => throw Error($"unknown escape '\\{esc}' in a string"),
            });
        }
    }

    CaptureExpression Primary()
    {
        SkipSpace();
        var column = Column;
        if (Accept('('))
        {
            var inner = Expression();
            Expect(')');
            return inner;
        }
        var name = Identifier("a name");
        if (name is "len" or "cap" && Accept('('))
        {
            var argument = Expression();
            Expect(')');
            return new BuiltinExpression(name, argument) { Column = column };
        }
        return new NameExpression(name) { Column = column };
    }

    /// <summary>The type of x.(T), up to its closing parenthesis: stars, then a name that may hold a package path.</summary>
    string TypeName()
    {
        SkipSpace();
        var start = _pos;
        while (!AtEnd && Current == '*') _pos++;
        Identifier("a type name after '.('");
        while (!AtEnd && Current == '.') { _pos++; Identifier("a type name after '.'"); }
        var name = _text[start.._pos];
        Expect(')');
        return name;
    }

    string Identifier(string what)
    {
        SkipSpace();
        if (AtEnd) throw Error($"expected {what}, found the end");
        if (!(char.IsLetter(Current) || Current == '_')) throw Error($"expected {what}, found '{Current}'");
        var start = _pos;
        while (!AtEnd && (char.IsLetterOrDigit(Current) || Current is '_' or '/' or '-')) _pos++;
        return _text[start.._pos];
    }
}
