using SideEye.Probes.Specs;

namespace SideEye.Probes.Tests.Specs;

public class CaptureExpressionTests
{
    [Theory]
    [InlineData("req", "req")]
    [InlineData("req.URL.Path", "req.URL.Path")]
    [InlineData(" *p ", "*p")]
    [InlineData("(*p).x", "(*p).x")]
    [InlineData("xs[0]", "xs[0]")]
    [InlineData("m[\"k\\\"ey\"]", "m[\"k\\u0022ey\"]")]
    [InlineData("len(req.Header)", "len(req.Header)")]
    [InlineData("cap(buf)", "cap(buf)")]
    [InlineData("net/http.DefaultClient.Timeout", "net/http.DefaultClient.Timeout")]
    [InlineData("**pp", "*(*pp)")]
    [InlineData("len", "len")] // a variable may be called len
    [InlineData("v.(int)", "v.(int)")]
    [InlineData("s.st.( *google.golang.org/grpc/internal/transport.http2Server ).remoteAddr", "s.st.(*google.golang.org/grpc/internal/transport.http2Server).remoteAddr")]
    [InlineData("c.rwc.(*net.TCPConn).fd.laddr.(*net.TCPAddr).Port", "c.rwc.(*net.TCPConn).fd.laddr.(*net.TCPAddr).Port")]
    public void Parses_and_prints(string text, string printed)
    {
        var e = CaptureExpression.Parse(text);
        Assert.Equal(printed, e.ToString());
    }

    [Fact]
    public void A_type_assertion_is_a_node_of_its_own()
    {
        var f = Assert.IsType<FieldExpression>(CaptureExpression.Parse("x.(*pkg.T).Name"));
        var a = Assert.IsType<TypeAssertExpression>(f.Target);
        Assert.Equal(("*pkg.T", "x"), (a.TypeName, a.Target.ToString()));
    }

    [Fact]
    public void Parses_into_the_expected_tree()
    {
        var e = CaptureExpression.Parse("len(s.items[2].Name)");
        var b = Assert.IsType<BuiltinExpression>(e);
        Assert.Equal("len", b.Function);
        var f = Assert.IsType<FieldExpression>(b.Argument);
        Assert.Equal("Name", f.Field);
        var i = Assert.IsType<IndexExpression>(f.Target);
        Assert.Equal(2L, i.Key);
        Assert.Equal(12, i.Column);
    }

    [Theory]
    [InlineData("", "an empty expression")]
    [InlineData("a.", "column 3: expected a field name after '.', found the end")]
    [InlineData("a[b]", "column 3: an index must be a constant")]
    [InlineData("a[1", "expected ']' at the end")]
    [InlineData("a b", "column 3: unexpected 'b' after a")]
    [InlineData("a[\"x]", "a string without its closing quote")]
    [InlineData("f(x)", "unexpected '(' after f")]
    [InlineData("a[99999999999999999999]", "is not an integer")]
    [InlineData("1", "expected a name, found '1'")]
    [InlineData("v.()", "column 4: expected a type name after '.(', found ')'")]
    [InlineData("v.(*T", "expected ')' at the end")]
    [InlineData("v.(T.)", "expected a type name after '.', found ')'")]
    public void Refuses_with_the_place_and_the_reason(string text, string message)
    {
        var e = Assert.Throws<CaptureSpecException>(() => CaptureExpression.Parse(text));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
