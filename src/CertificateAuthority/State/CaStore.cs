using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CleverCloud.Identity.Certificates;
using Microsoft.Data.Sqlite;

namespace CleverCloud.CertificateAuthority.State;

/// <summary>
/// The CA's durable state: issued-certificate index, revocations, challenges, pending transactions, CRL.
/// </summary>
/// <remarks>
/// SQLite rather than files with atomic replace: consuming a challenge and recording the issued certificate must
/// be one atomic step, and the admin CLI (<c>clever-ca challenge create</c>, <c>revoke</c>, <c>approve</c>) writes
/// the same state from another process while the service runs. SQLite gives both (transactions plus file locking)
/// without a lock protocol of our own. WAL with synchronous=FULL: a committed issuance survives a power cut.
/// Issuances go through one writer thread that commits whatever has queued up meanwhile in one transaction (group
/// commit): the fsync of that commit, the cost that capped issuance at about one per fsync, is shared by the batch.
/// </remarks>
public sealed class CaStore : IDisposable
{
    // Enough to absorb a burst from every Kestrel connection; a bigger batch would only delay its first member.
    private const int MaxIssuancesPerCommit = 64;

    private readonly string connectionString;
    private readonly System.Collections.Concurrent.BlockingCollection<QueuedIssuance> issuanceQueue = new();
    private readonly Lazy<Thread> issuanceWriter;
    private int disposed;

    public CaStore(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(stateDirectory, "ca.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Seconds a writer waits for another process's lock (the CLI) before failing.
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS challenges (
                id TEXT PRIMARY KEY, address TEXT NOT NULL, role TEXT NOT NULL,
                created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, consumed_at INTEGER NULL);
            CREATE TABLE IF NOT EXISTS certificates (
                serial TEXT PRIMARY KEY, address TEXT NOT NULL, role TEXT NOT NULL,
                not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, der BLOB NOT NULL,
                transaction_id TEXT NOT NULL, issued_at INTEGER NOT NULL,
                revoked_at INTEGER NULL, revocation_reason TEXT NULL, unpublished_at INTEGER NULL);
            CREATE INDEX IF NOT EXISTS certificates_by_address ON certificates(address);
            CREATE INDEX IF NOT EXISTS certificates_by_transaction ON certificates(transaction_id);
            CREATE TABLE IF NOT EXISTS pending (
                transaction_id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL,
                address TEXT NOT NULL, role TEXT NOT NULL, csr BLOB NOT NULL, requester BLOB NOT NULL,
                challenge_id TEXT NULL, created_at INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS pending_by_challenge ON pending(challenge_id);
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
            """);
        issuanceWriter = new Lazy<Thread>(() =>
        {
            var thread = new Thread(WriteIssuances) { IsBackground = true, Name = "clever-ca issuance commits" };
            thread.Start();
            return thread;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public static string HashChallenge(string password) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(password)));

    /// <summary>Creates a one-time challenge bound to an address and role; returns the password (shown once).</summary>
    public string CreateChallenge(string address, AgentRole role, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        // Hex keeps the password inside PrintableString, which every SCEP client can put in a PKCS#10 attribute.
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO challenges (id, address, role, created_at, expires_at) VALUES ($id, $address, $role, $created, $expires)";
        command.Parameters.AddWithValue("$id", HashChallenge(password));
        command.Parameters.AddWithValue("$address", address);
        command.Parameters.AddWithValue("$role", role.ToWire());
        command.Parameters.AddWithValue("$created", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$expires", expiresAt.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        return password;
    }

    /// <summary>
    /// Checks, without writing, that the challenge exists, is unexpired and unused, is not held by another pending
    /// transaction, and that <paramref name="bindingAccepts"/> approves its binding. Consumption happens later, in
    /// <see cref="CommitIssuanceAsync"/>, atomically with recording the certificate; the caller keeps concurrent
    /// in-flight requests apart (one read here, one write transaction per issuance: half the fsyncs of a
    /// durable reservation).
    /// </summary>
    public (ChallengeCheck Result, ChallengeBinding? Binding) CheckChallenge(
        string password, string transactionId, DateTimeOffset now, Func<ChallengeBinding, bool> bindingAccepts)
    {
        var id = HashChallenge(password);
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT c.address, c.role, c.expires_at, c.consumed_at,
                   (SELECT COUNT(*) FROM pending p WHERE p.challenge_id = c.id AND p.transaction_id <> $tx)
            FROM challenges c WHERE c.id = $id
            """;
        select.Parameters.AddWithValue("$id", id);
        select.Parameters.AddWithValue("$tx", transactionId);
        using var reader = select.ExecuteReader();
        if (!reader.Read())
        {
            return (ChallengeCheck.Unknown, null);
        }
        var binding = new ChallengeBinding(id, reader.GetString(0), ParseRole(reader.GetString(1)), FromMilliseconds(reader.GetInt64(2)));
        if (!reader.IsDBNull(3))
        {
            return (ChallengeCheck.AlreadyUsed, binding);
        }
        if (binding.ExpiresAt <= now)
        {
            return (ChallengeCheck.Expired, binding);
        }
        if (reader.GetInt64(4) > 0)
        {
            return (ChallengeCheck.InUseByAnotherTransaction, binding);
        }
        return bindingAccepts(binding) ? (ChallengeCheck.Reserved, binding) : (ChallengeCheck.BindingMismatch, binding);
    }

    public void SavePending(PendingRequest pending)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO pending (transaction_id, kind, state, address, role, csr, requester, challenge_id, created_at)
            VALUES ($tx, $kind, $state, $address, $role, $csr, $requester, $challenge, $created)
            ON CONFLICT(transaction_id) DO UPDATE SET state = excluded.state, csr = excluded.csr, requester = excluded.requester
            """;
        command.Parameters.AddWithValue("$tx", pending.TransactionId);
        command.Parameters.AddWithValue("$kind", pending.Kind.ToString());
        command.Parameters.AddWithValue("$state", pending.State.ToString());
        command.Parameters.AddWithValue("$address", pending.Address);
        command.Parameters.AddWithValue("$role", pending.Role.ToWire());
        command.Parameters.AddWithValue("$csr", pending.SigningRequest);
        command.Parameters.AddWithValue("$requester", pending.RequesterCertificate);
        command.Parameters.AddWithValue("$challenge", (object?)pending.ChallengeId ?? DBNull.Value);
        command.Parameters.AddWithValue("$created", pending.CreatedAt.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    public PendingRequest? FindPending(string transactionId) =>
        QueryPending("WHERE transaction_id = $tx", ("$tx", transactionId)).FirstOrDefault();

    public IReadOnlyList<PendingRequest> ListPending() => QueryPending("ORDER BY created_at");

    /// <summary>Moves a request awaiting approval to Approved; false when there is no such request.</summary>
    public bool Approve(string transactionId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE pending SET state = $approved WHERE transaction_id = $tx AND state = $awaiting";
        command.Parameters.AddWithValue("$approved", PendingState.Approved.ToString());
        command.Parameters.AddWithValue("$awaiting", PendingState.AwaitingApproval.ToString());
        command.Parameters.AddWithValue("$tx", transactionId);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>
    /// Records an issuance in one durable step: consumes the challenge (when any), records the certificate, drops the
    /// pending entry. Completes with true once the transaction holding it is committed, with false (nothing of this
    /// issuance written) when the challenge was consumed meanwhile, or faults with the exception that prevented the
    /// commit (nothing of it written either).
    /// </summary>
    /// <remarks>
    /// Goes through the group-commit writer: issuances queued while the previous commit was being made durable share
    /// the next transaction and its fsync, each inside its own savepoint.
    /// </remarks>
    public Task<bool> CommitIssuanceAsync(IssuedCertificate issued, string? challengeId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(issued);
        // Continuations run on the pool, never on the writer thread, which goes straight back to the next batch.
        var queued = new QueuedIssuance(issued, challengeId, now, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        _ = issuanceWriter.Value;
        issuanceQueue.Add(queued);
        return queued.Completion.Task;
    }

    private void WriteIssuances()
    {
        var batch = new List<QueuedIssuance>(MaxIssuancesPerCommit);
        foreach (var first in issuanceQueue.GetConsumingEnumerable())
        {
            // No waiting for company: whatever queued while the previous commit was being made durable goes in now.
            batch.Add(first);
            while (batch.Count < MaxIssuancesPerCommit && issuanceQueue.TryTake(out var next))
            {
                batch.Add(next);
            }
            CommitBatch(batch);
            batch.Clear();
        }
    }

    private void CommitBatch(List<QueuedIssuance> batch)
    {
        var outcomes = new (bool Applied, Exception? Failure)[batch.Count];
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            for (var index = 0; index < batch.Count; index++)
            {
                var item = batch[index];
                // A savepoint per issuance: one that fails (challenge gone, constraint) leaves no trace, and the
                // others of the batch still commit.
                Execute(connection, transaction, "SAVEPOINT issuance");
                try
                {
                    outcomes[index] = (ApplyIssuance(connection, transaction, item.Issued, item.ChallengeId, item.Now), null);
                    Execute(connection, transaction, outcomes[index].Applied ? "RELEASE issuance" : "ROLLBACK TO issuance; RELEASE issuance");
                }
                catch (SqliteException exception)
                {
                    Execute(connection, transaction, "ROLLBACK TO issuance; RELEASE issuance");
                    outcomes[index] = (false, exception);
                }
            }
            transaction.Commit();
        }
        catch (Exception exception)
        {
            // The transaction did not commit: none of the batch is recorded, each caller rolls its publication back.
            foreach (var item in batch)
            {
                item.Completion.TrySetException(exception);
            }
            return;
        }
        for (var index = 0; index < batch.Count; index++)
        {
            if (outcomes[index].Failure is { } failure)
            {
                batch[index].Completion.TrySetException(failure);
            }
            else
            {
                batch[index].Completion.TrySetResult(outcomes[index].Applied);
            }
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static bool ApplyIssuance(SqliteConnection connection, SqliteTransaction transaction, IssuedCertificate issued, string? challengeId, DateTimeOffset now)
    {
        if (challengeId is not null)
        {
            using var consume = connection.CreateCommand();
            consume.Transaction = transaction;
            consume.CommandText = "UPDATE challenges SET consumed_at = $now WHERE id = $id AND consumed_at IS NULL";
            consume.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            consume.Parameters.AddWithValue("$id", challengeId);
            if (consume.ExecuteNonQuery() != 1)
            {
                return false;
            }
        }
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO certificates (serial, address, role, not_before, not_after, der, transaction_id, issued_at)
            VALUES ($serial, $address, $role, $nb, $na, $der, $tx, $now)
            """;
        insert.Parameters.AddWithValue("$serial", issued.Serial);
        insert.Parameters.AddWithValue("$address", issued.Address);
        insert.Parameters.AddWithValue("$role", issued.Role.ToWire());
        insert.Parameters.AddWithValue("$nb", issued.NotBefore.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$na", issued.NotAfter.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$der", issued.Der);
        insert.Parameters.AddWithValue("$tx", issued.TransactionId);
        insert.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        insert.ExecuteNonQuery();
        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM pending WHERE transaction_id = $tx";
        delete.Parameters.AddWithValue("$tx", issued.TransactionId);
        delete.ExecuteNonQuery();
        return true;
    }

    /// <summary>True when the transaction ID is pending or already issued (one read instead of two row loads).</summary>
    public bool IsKnownTransaction(string transactionId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT EXISTS (SELECT 1 FROM pending WHERE transaction_id = $tx)
                OR EXISTS (SELECT 1 FROM certificates WHERE transaction_id = $tx)
            """;
        command.Parameters.AddWithValue("$tx", transactionId);
        return (long)command.ExecuteScalar()! != 0;
    }

    /// <summary>Stops the issuance writer once the queued issuances are committed.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        issuanceQueue.CompleteAdding();
        if (issuanceWriter.IsValueCreated)
        {
            issuanceWriter.Value.Join();
        }
        issuanceQueue.Dispose();
    }

    private sealed record QueuedIssuance(IssuedCertificate Issued, string? ChallengeId, DateTimeOffset Now, TaskCompletionSource<bool> Completion);

    public IssuedCertificate? FindBySerial(string serial) =>
        QueryCertificates("WHERE serial = $v", ("$v", serial.ToUpperInvariant())).FirstOrDefault();

    public IssuedCertificate? FindByTransaction(string transactionId) =>
        QueryCertificates("WHERE transaction_id = $v ORDER BY issued_at DESC", ("$v", transactionId)).FirstOrDefault();

    public IReadOnlyList<IssuedCertificate> FindByAddress(string address) =>
        QueryCertificates("WHERE address = $v ORDER BY issued_at", ("$v", address));

    public IReadOnlyList<IssuedCertificate> ListRevoked() => QueryCertificates("WHERE revoked_at IS NOT NULL ORDER BY revoked_at");

    public IReadOnlyList<IssuedCertificate> ListRevokedStillPublished() =>
        QueryCertificates("WHERE revoked_at IS NOT NULL AND unpublished_at IS NULL");

    public long CountCertificates()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM certificates";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Marks the certificate revoked; false when it is unknown or already revoked.</summary>
    public bool Revoke(string serial, string reason, DateTimeOffset now)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE certificates SET revoked_at = $now, revocation_reason = $reason WHERE serial = $serial AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$serial", serial.ToUpperInvariant());
        return command.ExecuteNonQuery() == 1;
    }

    public void MarkUnpublished(string serial, DateTimeOffset now)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE certificates SET unpublished_at = $now WHERE serial = $serial";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$serial", serial);
        command.ExecuteNonQuery();
    }

    /// <summary>Stores a freshly signed CRL and returns nothing; <see cref="NextCrlNumber"/> hands out its number.</summary>
    public void SaveCrl(byte[] crlDer) => SetMeta("crl", crlDer);

    public byte[]? LoadCrl() => GetMeta("crl");

    /// <summary>Monotonic CRL number (RFC 5280 §5.2.3), incremented atomically across processes.</summary>
    public long NextCrlNumber()
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO meta (key, value) VALUES ('crl_number', '1')
            ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT);
            SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'crl_number';
            """;
        var number = (long)command.ExecuteScalar()!;
        transaction.Commit();
        return number;
    }

    private void SetMeta(string key, byte[] value)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    private byte[]? GetMeta(string key)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as byte[];
    }

    private List<IssuedCertificate> QueryCertificates(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT serial, address, role, not_before, not_after, der, transaction_id, revoked_at, revocation_reason FROM certificates " + where;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var results = new List<IssuedCertificate>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            results.Add(new IssuedCertificate(
                reader.GetString(0), reader.GetString(1), ParseRole(reader.GetString(2)),
                FromMilliseconds(reader.GetInt64(3)), FromMilliseconds(reader.GetInt64(4)), (byte[])reader[5],
                reader.GetString(6), reader.IsDBNull(7) ? null : FromMilliseconds(reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return results;
    }

    private List<PendingRequest> QueryPending(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT transaction_id, kind, state, address, role, csr, requester, challenge_id, created_at FROM pending " + where;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var results = new List<PendingRequest>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            results.Add(new PendingRequest(
                reader.GetString(0), Enum.Parse<RequestKind>(reader.GetString(1)), Enum.Parse<PendingState>(reader.GetString(2)),
                reader.GetString(3), ParseRole(reader.GetString(4)), (byte[])reader[5], (byte[])reader[6],
                reader.IsDBNull(7) ? null : reader.GetString(7), FromMilliseconds(reader.GetInt64(8))));
        }
        return results;
    }

    private static AgentRole ParseRole(string wire) =>
        AgentRoleNames.TryParse(wire, out var role) ? role : throw new InvalidDataException($"Unknown role '{wire}' in the CA database.");

    private static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=FULL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static string FormatTimestamp(DateTimeOffset value) => value.ToString("u", CultureInfo.InvariantCulture);
}
