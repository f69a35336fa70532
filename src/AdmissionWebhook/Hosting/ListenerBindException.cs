using System.Net;
using System.Net.Sockets;

namespace AdmissionWebhook.Hosting;

/// <summary>A listener could not bind its address and port, for a reason other than another process listening there.</summary>
internal sealed class ListenerBindException : Exception
{
    public ListenerBindException(EndPoint endpoint, SocketException reason)
        : base($"Failed to bind to address {endpoint}: {reason.Message}.", reason)
    {
    }
}
