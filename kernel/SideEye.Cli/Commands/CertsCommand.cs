using System.CommandLine;
using System.Net;
using SideEye.Remote.Certificates;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye certs ca --out DIR [--name NAME] [--days N]: a fleet CA, DIR/ca.pem and DIR/ca.key.
/// sideeye certs issue --ca DIR --name NAME --role agent|client [--ip IP]… [--dns NAME]… [--days N] --out DIR: a
/// certificate signed by it, DIR/NAME.pem and DIR/NAME.key (an agent's with its addresses as SANs and the
/// server-authentication usage, a client's with the client-authentication usage). Keys are written 0600; nothing
/// is overwritten.
/// </summary>
public static class CertsCommand
{
    public static Command Create(TextWriter stdout)
    {
        var days = new Option<int>("--days") { Description = "days the certificate is valid", DefaultValueFactory = _ => 365 };
        var caOut = new Option<string>("--out") { Description = "folder for ca.pem and ca.key", Required = true };
        var caName = new Option<string>("--name") { Description = "the CA's common name", DefaultValueFactory = _ => "SideEye fleet CA" };
        var ca = new Command("ca", "create the fleet's certificate authority: DIR/ca.pem and DIR/ca.key") { caOut, caName, days };
        ca.SetAction(parse =>
        {
            var authority = FleetAuthority.CreateAuthority(parse.GetValue(caName)!, Days(parse.GetValue(days)));
            var (pem, key) = FleetAuthority.Write(authority, parse.GetValue(caOut)!, "ca");
            stdout.WriteLine($"{pem}\n{key}");
            return 0;
        });

        var authorityDir = new Option<string>("--ca") { Description = "the folder holding ca.pem and ca.key", Required = true };
        var name = new Option<string>("--name") { Description = "the certificate's common name and file name", Required = true };
        var role = new Option<CertificateRole>("--role") { Description = "agent (TLS server) or client", Required = true };
        var ips = new Option<string[]>("--ip") { Description = "an address the agent is reached at (repeat for several)" };
        var dns = new Option<string[]>("--dns") { Description = "a host name the agent is reached by (repeat for several)" };
        var issueOut = new Option<string>("--out") { Description = "folder for NAME.pem and NAME.key", Required = true };
        var issue = new Command("issue", "issue an agent or client certificate from the fleet CA") { authorityDir, name, role, ips, dns, days, issueOut };
        issue.SetAction(parse =>
        {
            var folder = parse.GetValue(authorityDir)!;
            var authority = FleetAuthority.Load(Path.Combine(folder, "ca.pem"), Path.Combine(folder, "ca.key"));
            var addresses = (parse.GetValue(ips) ?? []).Select(ip => IPAddress.TryParse(ip, out var a) ? a : throw new SideEyeException($"--ip {ip}: not an IP address")).ToArray();
            var names = parse.GetValue(dns) ?? [];
            if (parse.GetValue(role) == CertificateRole.Agent && addresses.Length + names.Length == 0)
                throw new SideEyeException("an agent certificate needs the addresses or names clients reach it by: --ip IP or --dns NAME");
            var issued = FleetAuthority.Issue(authority, parse.GetValue(name)!, parse.GetValue(role), addresses, names, Days(parse.GetValue(days)));
            var (pem, key) = FleetAuthority.Write(issued, parse.GetValue(issueOut)!, parse.GetValue(name)!);
            stdout.WriteLine($"{pem}\n{key}");
            return 0;
        });
        return new Command("certs", "create a fleet CA and issue agent and client certificates") { ca, issue };
    }

    static int Days(int days) => days is >= 1 and <= 3650 ? days : throw new SideEyeException($"--days must be from 1 to 3650, not {days}");
}
