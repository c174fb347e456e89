using System.Net;

namespace SideEye.Fleet.Resolution;

/// <summary>
/// Looks a DNS name up: its addresses, or a <see cref="System.Net.Sockets.SocketException"/> when it has none.
/// <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> unless a test gives its own.
/// </summary>
public delegate Task<IPAddress[]> HostResolver(string host, CancellationToken cancellation);
