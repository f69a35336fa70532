using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

// The floor of the benchmark: the least an HTTPS admission endpoint can do. It reads the body, pulls request.uid out
// with a Utf8JsonReader (nothing else is decoded) and answers a constant allowed admission.k8s.io/v1 review.
// Usage: Floor --port N --tls-cert FILE --tls-key FILE [--bind-address ADDR]
var settings = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    settings[args[i]] = args[i + 1];
}

var port = int.Parse(settings.GetValueOrDefault("--port", "9443"), System.Globalization.CultureInfo.InvariantCulture);
var address = IPAddress.Parse(settings.GetValueOrDefault("--bind-address", "127.0.0.1"));
using var certificate = X509Certificate2.CreateFromPemFile(settings["--tls-cert"], settings["--tls-key"]);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(address, port, listen => listen.UseHttps(certificate));
});

var app = builder.Build();
app.MapPost("/{**path}", FloorEndpoint.HandleAsync);
await app.RunAsync();

internal static class FloorEndpoint
{
    private static readonly byte[] Prefix = """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"""u8.ToArray();
    private static readonly byte[] Suffix = ""","allowed":true}}"""u8.ToArray();

    public static async Task HandleAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync(context.RequestAborted);
            if (read.IsCompleted)
            {
                break;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        var uid = FindUid(read.Buffer);
        reader.AdvanceTo(read.Buffer.End);

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var output = context.Response.BodyWriter;
        output.Write(Prefix);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStringValue(uid.Span);
        }

        output.Write(Suffix);
        await output.FlushAsync(context.RequestAborted);
    }

    /// <summary>The raw value of request.uid (depth 2), skipping everything else without materialising it.</summary>
    private static ReadOnlyMemory<byte> FindUid(ReadOnlySequence<byte> body)
    {
        var json = new Utf8JsonReader(body);
        var inRequest = false;
        while (json.Read())
        {
            if (json.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (json.CurrentDepth == 1 && json.ValueTextEquals("request"u8))
            {
                inRequest = true;
                continue;
            }

            if (json.CurrentDepth == 1)
            {
                json.Read();
                json.TrySkip();
                continue;
            }

            if (inRequest && json.CurrentDepth == 2 && json.ValueTextEquals("uid"u8))
            {
                json.Read();
                var buffer = new byte[json.HasValueSequence ? json.ValueSequence.Length : json.ValueSpan.Length];
                var length = json.CopyString(buffer);
                return buffer.AsMemory(0, length);
            }

            if (json.CurrentDepth == 2)
            {
                json.Read();
                json.TrySkip();
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }
}
