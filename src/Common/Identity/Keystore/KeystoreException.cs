namespace CleverCloud.Identity.Keystore;

public enum KeystoreFailure
{
    /// <summary>No keystore file at the configured path.</summary>
    NotFound,

    /// <summary>The MAC does not verify with the configured password.</summary>
    WrongPassword,

    /// <summary>The file is not a readable PKCS#12 structure.</summary>
    Corrupt,

    /// <summary>The keystore holds no certificate with its private key.</summary>
    NoPrivateKey,

    /// <summary>The new keystore could not be written; the previous file is untouched.</summary>
    WriteFailed,
}

/// <summary>The PKCS#12 keystore could not be loaded or saved; <see cref="Failure"/> says why.</summary>
public sealed class KeystoreException : Exception
{
    public KeystoreException(string path, KeystoreFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
        Failure = failure;
    }

    public string Path { get; }

    public KeystoreFailure Failure { get; }

    /// <summary>Only a failed write (disk full, I/O error) may succeed when retried unchanged.</summary>
    public bool IsTransient => Failure == KeystoreFailure.WriteFailed;
}
