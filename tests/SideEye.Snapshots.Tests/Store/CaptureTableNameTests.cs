using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Tests.Store;

public sealed class CaptureTableNameTests
{
    [Theory]
    [InlineData("main.(*server).handle", "main_server_handle")]
    [InlineData("net/http.(*conn).serve", "net_http_conn_serve")]
    [InlineData("main.Map[...].Get", "main_map_get")]
    [InlineData("main.(*Map[go.shape.string,go.shape.int]).Get", "main_map_get")]
    [InlineData("main.genericWait[...]", "main_generic_wait")]
    [InlineData("main.handleHTTPRequest", "main_handle_http_request")]
    [InlineData("net/http.HandlerFunc.ServeHTTP", "net_http_handler_func_serve_http")]
    [InlineData("main.main.func1", "main_main_func1")]
    [InlineData("main.(*server).handle.func2.1", "main_server_handle_func2_1")]
    [InlineData("github.com/acme/api-gw/internal/v2.(*Router).route", "github_com_acme_api_gw_internal_v2_router_route")]
    [InlineData("main.café", "main_caf")]
    [InlineData("2fa.check", "f_2fa_check")]
    [InlineData("[...]", "f")]
    public void DerivesReadableLowercaseIdentifiers(string function, string table) =>
        Assert.Equal(table, CaptureTableName.Derive(function));

    [Fact]
    public void ATakenNameGetsTheNextFreeNumber()
    {
        var taken = new HashSet<string>(["main_map_get", "main_map_get_2"], StringComparer.OrdinalIgnoreCase);
        Assert.Equal("main_map_get_3", CaptureTableName.Unique("main_map_get", taken.Contains));
        Assert.Equal("main_f", CaptureTableName.Unique("main_f", taken.Contains));
    }
}
