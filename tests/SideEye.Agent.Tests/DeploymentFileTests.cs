using System.CommandLine;
using k8s;
using k8s.Models;
using SideEye.Agent.Hosting;
using SideEye.Cli;
using SideEye.Loader.Privileges;
using SideEye.Testing;

namespace SideEye.Agent.Tests;

/// <summary>
/// The deployment files name what the agent really has: their command lines parse as `sideeye agent` with TLS and
/// client certificates, their capabilities are exactly the agent's (<see cref="AgentPrivileges"/>, proven enough by
/// <see cref="CapabilityTests"/>), and they hold the hardening the agent is meant to run with.
/// </summary>
public sealed class DeploymentFileTests
{
    static readonly string Deploy = Path.Combine(RepoPaths.Root, "deploy");

    static IEnumerable<string> Capabilities => AgentPrivileges.All.Select(CapabilitySet.Name).Order(StringComparer.Ordinal);

    [Fact]
    public void The_systemd_unit_runs_the_agent_hardened_with_its_capabilities_and_no_more()
    {
        var unit = SystemdUnit.Read(Path.Combine(Deploy, "systemd", "sideeye-agent.service"));
        Assert.Equal("notify", unit["Service", "Type"]);
        Assert.Equal("yes", unit["Service", "NoNewPrivileges"]);
        Assert.Equal("strict", unit["Service", "ProtectSystem"]);
        Assert.Equal("0077", unit["Service", "UMask"]);
        Assert.Equal(Capabilities, unit["Service", "CapabilityBoundingSet"].Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.False(unit.Has("Service", "AmbientCapabilities"), "the agent runs as root within its bounding set; ambient capabilities would outlive it");

        var exec = unit["Service", "ExecStart"].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var arguments = exec.SkipWhile(a => !a.EndsWith("sideeye.dll", StringComparison.Ordinal)).Skip(1).ToArray();
        var options = ParsedAgent(arguments);
        // Everything it writes is in the paths the unit lets it write.
        var writable = unit["Service", "ReadWritePaths"].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(options["--listen"].Where(l => l.StartsWith("unix:", StringComparison.Ordinal)),
            l => Assert.Contains(writable, w => l["unix:".Length..].StartsWith(w + "/", StringComparison.Ordinal)));
        Assert.All(options["--audit"], a => Assert.Contains(writable, w => a.StartsWith(w + "/", StringComparison.Ordinal)));
        Assert.StartsWith("/run/", options["--listen"].Single(l => l.StartsWith("unix:", StringComparison.Ordinal))["unix:".Length..]);
    }

    [Fact]
    public void The_daemonset_sees_the_hosts_processes_with_the_agents_capabilities_and_certificates_from_a_secret()
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(Deploy, "kubernetes", "sideeye-agent.yaml")),
            new Dictionary<string, Type> { ["v1/Namespace"] = typeof(V1Namespace), ["v1/Service"] = typeof(V1Service), ["apps/v1/DaemonSet"] = typeof(V1DaemonSet) });
        var daemonSet = Assert.Single(objects.OfType<V1DaemonSet>());
        var service = Assert.Single(objects.OfType<V1Service>());
        var pod = daemonSet.Spec.Template.Spec;
        Assert.True(pod.HostPID);
        Assert.NotEqual(true, pod.HostNetwork);
        Assert.Equal(service.Metadata.Name, pod.Subdomain);
        Assert.Equal("None", service.Spec.ClusterIP);
        var container = Assert.Single(pod.Containers);
        var security = container.SecurityContext;
        Assert.NotEqual(true, security.Privileged);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal(Capabilities, security.Capabilities.Add.Select(c => "CAP_" + c).Order(StringComparer.Ordinal));

        var options = ParsedAgent([.. container.Args]);
        var secret = pod.Volumes.Single(v => v.Secret is not null);
        var mount = container.VolumeMounts.Single(m => m.Name == secret.Name);
        Assert.True(mount.ReadOnlyProperty);
        foreach (var file in new[] { "--cert", "--key", "--client-ca" })
            Assert.StartsWith(mount.MountPath + "/", options[file].Single());
        var port = options["--listen"].Single().Split(':')[^1];
        Assert.Contains(container.Ports, p => p.ContainerPort.ToString() == port && p.Name == service.Spec.Ports.Single().TargetPort.Value);
    }

    /// <summary>The arguments parsed by the real command line as `sideeye agent`, with TLS: option → values.</summary>
    static IReadOnlyDictionary<string, string[]> ParsedAgent(string[] arguments)
    {
        Assert.Equal("agent", arguments[0]);
        var root = CliApp.Commands(TextWriter.Null, TextWriter.Null, TextReader.Null);
        var parse = root.Parse(arguments);
        Assert.True(parse.Errors.Count == 0, string.Join("; ", parse.Errors.Select(e => e.Message)));
        var agent = root.Subcommands.Single(c => c.Name == "agent");
        var values = agent.Options.ToDictionary(o => o.Name, o => parse.GetResult(o) is { } r ? r.Tokens.Select(t => t.Value).ToArray() : []);
        // Every TCP listener has TLS with the fleet CA: the agent would refuse to start otherwise.
        Assert.Contains(values["--listen"], l => l.StartsWith("https://", StringComparison.Ordinal));
        foreach (var required in new[] { "--cert", "--key", "--client-ca" }) Assert.Single(values[required]);
        foreach (var listen in values["--listen"]) ListenAddress.Parse(listen);
        return values;
    }

    /// <summary>A systemd unit file: sections of Key=Value lines, comments and blank lines ignored.</summary>
    sealed class SystemdUnit
    {
        readonly Dictionary<(string, string), string> _values = [];

        public static SystemdUnit Read(string path)
        {
            var unit = new SystemdUnit();
            var section = "";
            foreach (var raw in File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                if (line.StartsWith('[')) { section = line.Trim('[', ']'); continue; }
                var eq = line.IndexOf('=');
                Assert.True(eq > 0, $"{path}: not Key=Value: {line}");
                unit._values[(section, line[..eq])] = line[(eq + 1)..];
            }
            return unit;
        }

        public string this[string section, string key] => _values.TryGetValue((section, key), out var v) ? v : throw new Xunit.Sdk.XunitException($"[{section}] {key} is missing");

        public bool Has(string section, string key) => _values.ContainsKey((section, key));
    }
}
