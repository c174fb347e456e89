using Microsoft.DotNet.Interactive.Commands;

namespace SideEye.Interactive.Directives;

/// <summary>#!sideeye connect URL [--name NAME] [--cert PEM --key PEM --ca PEM] [--timeout S]: work through that agent from now on.</summary>
public sealed class ConnectCommand : KernelDirectiveCommand
{
    public string? Url { get; set; }
    public string? Name { get; set; }
    public string? Cert { get; set; }
    public string? Key { get; set; }
    public string? Ca { get; set; }
    public int? Timeout { get; set; }
}
