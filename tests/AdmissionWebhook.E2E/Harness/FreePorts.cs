using System.Net;
using System.Net.Sockets;

namespace AdmissionWebhook.E2E.Harness;

/// <summary>Free TCP ports on 127.0.0.1, picked by the kernel.</summary>
public static class FreePorts
{
    /// <summary>
    /// Returns <paramref name="count"/> distinct free ports. All listeners are held until every port is picked, so the
    /// same port is never returned twice; another process may still take one before it is used (rare on loopback).
    /// </summary>
    public static int[] Take(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
                listener.Dispose();
            }
        }
    }
}
