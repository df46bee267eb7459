using CleverCloud.CertificateAuthority.Configuration;
using CleverCloud.CertificateAuthority.Issuance;
using Microsoft.Extensions.Options;

namespace CleverCloud.CertificateAuthority.Scep;

/// <summary>HTTP routes: RFC 8894 §4 at /scep and the traditional /cgi-bin/pkiclient.exe, the CRL at /crl.</summary>
public static class ScepEndpoints
{
    public const string PkixCrlMediaType = "application/pkix-crl";

    public static void MapScep(this IEndpointRouteBuilder endpoints)
    {
        foreach (var path in new[] { "/scep", "/cgi-bin/pkiclient.exe" })
        {
            endpoints.MapGet(path, HandleGetAsync);
            endpoints.MapPost(path, HandlePostAsync);
        }
        endpoints.MapGet("/crl", async (CertificateAuthorityCore core, HttpContext context) =>
        {
            var crl = await core.GetCrlAsync(context.RequestAborted).ConfigureAwait(false);
            return Results.Bytes(crl, PkixCrlMediaType);
        });
    }

    private static async Task HandleGetAsync(HttpContext context, ScepOperationProcessor processor, IOptions<CertificateAuthorityOptions> options, ILogger<ScepOperationProcessor> logger)
    {
        var operation = context.Request.Query["operation"].ToString();
        ScepHttpReply reply;
        switch (operation)
        {
            case "GetCACaps":
                reply = ScepOperationProcessor.GetCapabilities();
                break;
            case "GetCACert":
                reply = processor.GetCaCertificates();
                break;
            case "PKIOperation":
                reply = await ProcessGetMessageAsync(context, processor, options.Value.MaxRequestBytes, logger).ConfigureAwait(false);
                break;
            default:
                reply = Refuse(logger, 400, $"Unknown or missing SCEP operation '{operation}'.");
                break;
        }
        await WriteAsync(context, reply).ConfigureAwait(false);
    }

    private static async Task<ScepHttpReply> ProcessGetMessageAsync(HttpContext context, ScepOperationProcessor processor, int maxRequestBytes, ILogger logger)
    {
        // Query parsing turns an unescaped '+' into a space; base64 never contains spaces, so put them back.
        var encoded = context.Request.Query["message"].ToString().Replace(' ', '+');
        if (encoded.Length == 0)
        {
            return Refuse(logger, 400, "PKIOperation over GET needs a message parameter.");
        }
        if ((long)encoded.Length * 3 / 4 > maxRequestBytes)
        {
            return Refuse(logger, 413, $"The SCEP message exceeds {maxRequestBytes} bytes.");
        }
        byte[] message;
        try
        {
            message = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            return Refuse(logger, 400, "The message parameter is not base64.");
        }
        return await processor.ProcessAsync(message, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task HandlePostAsync(HttpContext context, ScepOperationProcessor processor, IOptions<CertificateAuthorityOptions> options, ILogger<ScepOperationProcessor> logger)
    {
        var operation = context.Request.Query["operation"].ToString();
        if (operation != "PKIOperation")
        {
            await WriteAsync(context, Refuse(logger, 400, $"POST supports only operation=PKIOperation, not '{operation}'.")).ConfigureAwait(false);
            return;
        }
        var limit = options.Value.MaxRequestBytes;
        if (context.Request.ContentLength > limit)
        {
            await WriteAsync(context, Refuse(logger, 413, $"The SCEP message exceeds {limit} bytes.")).ConfigureAwait(false);
            return;
        }
        var body = await ReadBoundedAsync(context.Request.Body, limit, context.RequestAborted).ConfigureAwait(false);
        var reply = body is null
            ? Refuse(logger, 413, $"The SCEP message exceeds {limit} bytes.")
            : await processor.ProcessAsync(body, context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, reply).ConfigureAwait(false);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is longer (chunked uploads).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static ScepHttpReply Refuse(ILogger logger, int statusCode, string reason)
    {
        CaLog.HttpRefused(logger, statusCode, reason);
        return ScepHttpReply.Error(statusCode, reason);
    }

    private static async Task WriteAsync(HttpContext context, ScepHttpReply reply)
    {
        context.Response.StatusCode = reply.StatusCode;
        context.Response.ContentType = reply.ContentType;
        context.Response.ContentLength = reply.Body.Length;
        await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
