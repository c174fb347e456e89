using SideEye.Fleet.Files;

namespace SideEye.Fleet.Tests;

/// <summary>
/// Where the client's certificate, key and fleet CA come from: the file's <c>tls</c> block (relative to the file,
/// or from a variable with <c>$NAME</c>), else SIDEEYE_CERT, SIDEEYE_KEY and SIDEEYE_CA key by key; none at all is
/// no credentials, some but not all is one line. These tests set process-wide variables, so they run alone.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class TlsCredentialTests : IDisposable
{
    static readonly string[] Variables = ["SIDEEYE_CERT", "SIDEEYE_KEY", "SIDEEYE_CA", "SIDEEYE_FLEET_TEST_CERTS", "SIDEEYE_FLEET_TEST_KEY"];
    readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    readonly FleetFolder _folder = new();

    public TlsCredentialTests()
    {
        foreach (var v in Variables) Environment.SetEnvironmentVariable(v, null);
    }

    static string Fleet(string tls) => $$"""
        { "version": 1, {{tls}}
          "agents": [ { "name": "a", "address": "https://a.internal:7443" } ] }
        """;

    [Fact]
    public void Relative_paths_start_at_the_files_folder_and_absolute_ones_stay()
    {
        var path = _folder.Write(Fleet("""
            "tls": { "cert": "../certs/me.pem", "key": "/etc/sideeye/me.key", "ca": "ca.pem" },
            """), "repo/ops/fleet.json");
        var credentials = FleetFile.Load(path).Credentials!;
        Assert.Equal(Path.Combine(_folder.Path, "repo", "certs", "me.pem"), credentials.CertificatePath);
        Assert.Equal("/etc/sideeye/me.key", credentials.KeyPath);
        Assert.Equal(Path.Combine(_folder.Path, "repo", "ops", "ca.pem"), credentials.AuthorityPath);
    }

    [Fact]
    public void A_dollar_name_takes_the_path_from_that_variable()
    {
        Environment.SetEnvironmentVariable("SIDEEYE_FLEET_TEST_CERTS", "/home/alice/certs");
        Environment.SetEnvironmentVariable("SIDEEYE_FLEET_TEST_KEY", "/home/alice/keys/alice.key");
        var path = _folder.Write(Fleet("""
            "tls": { "cert": "$SIDEEYE_FLEET_TEST_CERTS/alice.pem", "key": "$SIDEEYE_FLEET_TEST_KEY", "ca": "./$ca.pem" },
            """));
        var credentials = FleetFile.Load(path).Credentials!;
        Assert.Equal("/home/alice/certs/alice.pem", credentials.CertificatePath);
        Assert.Equal("/home/alice/keys/alice.key", credentials.KeyPath);
        Assert.Equal(Path.Combine(_folder.Path, "$ca.pem"), credentials.AuthorityPath);
    }

    [Fact]
    public void Keys_the_block_leaves_out_come_from_the_sideeye_variables()
    {
        Environment.SetEnvironmentVariable("SIDEEYE_CERT", "/env/me.pem");
        Environment.SetEnvironmentVariable("SIDEEYE_KEY", "/env/me.key");
        Environment.SetEnvironmentVariable("SIDEEYE_CA", "/env/ca.pem");
        var path = _folder.Write(Fleet("""
            "tls": { "ca": "certs/ca.pem" },
            """));
        var credentials = FleetFile.Load(path).Credentials!;
        Assert.Equal("/env/me.pem", credentials.CertificatePath);
        Assert.Equal("/env/me.key", credentials.KeyPath);
        Assert.Equal(Path.Combine(_folder.Path, "certs", "ca.pem"), credentials.AuthorityPath);

        var withoutBlock = FleetFile.Load(_folder.Write(Fleet(""), "other.json")).Credentials!;
        Assert.Equal(("/env/me.pem", "/env/me.key", "/env/ca.pem"), (withoutBlock.CertificatePath, withoutBlock.KeyPath, withoutBlock.AuthorityPath));
    }

    [Fact]
    public void Nothing_anywhere_is_no_credentials()
    {
        Assert.Null(FleetFile.Load(_folder.Write(Fleet(""))).Credentials);
    }

    [Fact]
    public void Some_but_not_all_is_one_line_at_the_block()
    {
        Environment.SetEnvironmentVariable("SIDEEYE_KEY", "/env/me.key");
        var path = _folder.Write(Fleet("""
            "tls": { "cert": "me.pem" },
            """));
        var e = Assert.Throws<FleetFileException>(() => FleetFile.Load(path));
        Assert.Equal($"{path}:1:24: tls: TLS needs the client's certificate, its key and the fleet CA: ca (or SIDEEYE_CA) missing", e.Message);

        var withoutBlock = _folder.Write(Fleet(""), "other.json");
        Environment.SetEnvironmentVariable("SIDEEYE_CERT", "/env/me.pem");
        e = Assert.Throws<FleetFileException>(() => FleetFile.Load(withoutBlock));
        Assert.Equal($"{withoutBlock}:1:1: TLS needs the client's certificate, its key and the fleet CA: ca (or SIDEEYE_CA) missing", e.Message);
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
        _folder.Dispose();
    }
}
