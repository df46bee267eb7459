using System.Formats.Asn1;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;

namespace CleverCloud.CertificateAuthority.Tests.Support;

/// <summary>Hand-built SCEP messages, for requests a well-behaved client would never send.</summary>
internal static class RawScep
{
    public static byte[] Csr(string address, AgentRole role, AsymmetricAlgorithm key, string? challenge) =>
        ScepClient.BuildSigningRequest(ScepClient.SubjectFor(address), address, role, key, challenge);

    public static byte[] PkcsReq(CaTestHost host, byte[] csr, ECDsa signerKey, string address)
    {
        using var signer = ScepClient.CreateTransientSigner(ScepClient.SubjectFor(address), signerKey);
        return new ScepPkiMessage
        {
            MessageType = ScepMessageType.PkcsReq,
            TransactionId = ScepClient.TransactionIdFor(signerKey),
            SenderNonce = ScepPkiMessage.NewNonce(),
            Content = ScepEnvelope.Encrypt(csr, host.Core.Credentials.RaCertificate),
        }.Encode(signer, signerKey);
    }

    /// <summary>The same PKCSReq but with a SHA-1 message digest, which the CA must refuse as badAlg.</summary>
    public static byte[] PkcsReqWithSha1Digest(CaTestHost host, byte[] csr, ECDsa signerKey, string address)
    {
        using var signerCertificate = ScepClient.CreateTransientSigner(ScepClient.SubjectFor(address), signerKey);
        var cms = new SignedCms(new ContentInfo(new Oid("1.2.840.113549.1.7.1"), ScepEnvelope.Encrypt(csr, host.Core.Credentials.RaCertificate)));
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, signerCertificate, signerKey)
        {
            DigestAlgorithm = new Oid("1.3.14.3.2.26"),
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        signer.SignedAttributes.Add(Printable(ScepOids.MessageType, "19"));
        signer.SignedAttributes.Add(Printable(ScepOids.TransactionId, ScepClient.TransactionIdFor(signerKey)));
        var nonce = new AsnWriter(AsnEncodingRules.DER);
        nonce.WriteOctetString(ScepPkiMessage.NewNonce());
        signer.SignedAttributes.Add(new AsnEncodedData(ScepOids.SenderNonce, nonce.Encode()));
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
    }

    private static AsnEncodedData Printable(string oid, string value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.PrintableString, value);
        return new AsnEncodedData(oid, writer.Encode());
    }

    public static async Task<HttpResponseMessage> PostAsync(CaTestHost host, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(ScepMediaTypes.PkiMessage);
        return await CaTestHost.Http.PostAsync(new Uri(host.Endpoint, "?operation=PKIOperation"), content);
    }

    /// <summary>Posts a PKIOperation and returns the verified CertRep (signed by the CA or its RA).</summary>
    public static async Task<ScepPkiMessage> ExchangeAsync(CaTestHost host, byte[] message)
    {
        using var response = await PostAsync(host, message);
        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(ScepMediaTypes.PkiMessage));
        var reply = ScepPkiMessage.Decode(await response.Content.ReadAsByteArrayAsync());
        var signer = reply.SignerCertificate!;
        Assert.That(signer.RawData, Is.EqualTo(host.Core.Credentials.RaCertificate.RawData).Or.EqualTo(host.Core.Credentials.CaCertificate.RawData));
        reply.VerifySignature(signer);
        return reply;
    }
}
