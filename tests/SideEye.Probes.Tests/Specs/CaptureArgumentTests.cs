using SideEye.Probes.Specs;

namespace SideEye.Probes.Tests.Specs;

/// <summary>--capture FUNCTION=EXPR,…: commas split expressions only outside brackets, parentheses and strings.</summary>
public class CaptureArgumentTests
{
    [Theory]
    [InlineData("main.(*server).handle=req.ID,req.URL.Path", "main.(*server).handle", new[] { "req.ID", "req.URL.Path" })]
    [InlineData("main.f=m[\"a,b\"],len(x)", "main.f", new[] { "m[\"a,b\"]", "len(x)" })]
    [InlineData("main.f= m[\"say \\\"hi, there\\\"\"] , *p ,xs[0]", "main.f", new[] { "m[\"say \\\"hi, there\\\"\"]", "*p", "xs[0]" })]
    [InlineData("main.f=(*p).x,*(*p).y", "main.f", new[] { "(*p).x", "*(*p).y" })]
    [InlineData("main.Map[...].Get=m.items[\"k\"]", "main.Map[...].Get", new[] { "m.items[\"k\"]" })]
    [InlineData("main.f=cap(s[0].xs),len(m[\"]\"])", "main.f", new[] { "cap(s[0].xs)", "len(m[\"]\"])" })]
    public void SplitsAtTopLevelCommasOnly(string argument, string function, string[] expressions)
    {
        var f = CaptureArgument.Parse(argument);
        Assert.Equal(function, f.Function);
        Assert.Equal(expressions, f.Expressions);
    }

    [Theory]
    [InlineData("main.f", "--capture 'main.f': expected FUNCTION=EXPRESSION[,EXPRESSION…] (e.g. 'main.(*server).handle=req.ID,req.URL.Path')")]
    [InlineData("=x", "--capture '=x': no function before '='")]
    [InlineData("main.f=", "--capture 'main.f=': no expressions after '='")]
    [InlineData("main.f=a,,b", "--capture 'main.f=a,,b': an empty expression at column 3 of \"a,,b\"")]
    [InlineData("main.f=a,", "--capture 'main.f=a,': an empty expression at column 3 of \"a,\"")]
    [InlineData("main.f=len(x,y", "--capture 'main.f=len(x,y': ')' is missing at the end of \"len(x,y\"")]
    [InlineData("main.f=x],y", "--capture 'main.f=x],y': unbalanced ']' at column 2 of \"x],y\"")]
    [InlineData("main.f=len(x]", "--capture 'main.f=len(x]': unbalanced ']' at column 6 of \"len(x]\"")]
    // Go's raw strings are not in the grammar, but the comma inside one does not split it: the error names it whole.
    [InlineData("main.f=m[`a,b`],x", "--capture 'main.f=m[`a,b`],x': expression \"m[`a,b`]\" at column 3: an index must be a constant (an integer or a \"string\"), found '`'")]
    [InlineData("main.f=a..b", "--capture 'main.f=a..b': expression \"a..b\" at column 3: expected a field name after '.', found '.'")]
    public void ABadArgumentIsOneLineNamingIt(string argument, string message)
    {
        var e = Assert.Throws<CaptureSpecException>(() => CaptureArgument.Parse(argument));
        Assert.Equal(message, e.Message);
    }
}
