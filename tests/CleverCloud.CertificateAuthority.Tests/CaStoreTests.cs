using CleverCloud.CertificateAuthority.State;
using CleverCloud.Identity.Certificates;
using Microsoft.Data.Sqlite;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>The group commit of issuances: shared transactions, but each issuance succeeds or fails on its own.</summary>
[TestFixture]
public sealed class CaStoreTests
{
    private readonly Dictionary<string, string> passwords = [];
    private string stateDirectory = null!;
    private CaStore store = null!;

    [SetUp]
    public void CreateStore()
    {
        stateDirectory = Path.Combine(Path.GetTempPath(), "clever-ca-store-" + Guid.NewGuid().ToString("N")[..8]);
        store = new CaStore(stateDirectory);
    }

    [TearDown]
    public void DeleteStore()
    {
        store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(stateDirectory, recursive: true);
    }

    [Test]
    public async Task ABatchCommitsItsIssuancesExceptTheOnesWhoseChallengeIsAlreadyConsumed()
    {
        var now = DateTimeOffset.UtcNow;
        var consumedBefore = ChallengeId("early@clever.test", now);
        Assert.That(await store.CommitIssuanceAsync(Issued("early"), consumedBefore, now), Is.True);
        var shared = ChallengeId("shared@clever.test", now);
        var fresh = ChallengeId("fresh@clever.test", now);

        Task<bool>[] outcomes;
        // Holding the database's write lock keeps the writer from committing: everything queued meanwhile waits for
        // the lock together and goes into the next transaction.
        await using (var blocker = new SqliteConnection($"Data Source={Path.Combine(stateDirectory, "ca.db")};Pooling=False"))
        {
            blocker.Open();
            using var lockHolder = blocker.BeginTransaction(deferred: false);
            outcomes =
            [
                store.CommitIssuanceAsync(Issued("first-of-shared"), shared, now),
                store.CommitIssuanceAsync(Issued("reuses-consumed"), consumedBefore, now),
                store.CommitIssuanceAsync(Issued("second-of-shared"), shared, now),
                store.CommitIssuanceAsync(Issued("fresh"), fresh, now),
                store.CommitIssuanceAsync(Issued("no-challenge"), challengeId: null, now),
            ];
            await Task.Delay(300);
            Assert.That(outcomes.Any(outcome => outcome.IsCompleted), Is.False, "nothing is reported before it is durable");
            lockHolder.Rollback();
        }

        Assert.That(await Task.WhenAll(outcomes), Is.EqualTo(new[] { true, false, false, true, true }));
        Assert.Multiple(() =>
        {
            Assert.That(store.FindByTransaction("tx-reuses-consumed"), Is.Null, "nothing of a refused issuance is written");
            Assert.That(store.FindByTransaction("tx-second-of-shared"), Is.Null);
            foreach (var accepted in new[] { "early", "first-of-shared", "fresh", "no-challenge" })
            {
                Assert.That(store.FindByTransaction("tx-" + accepted), Is.Not.Null, accepted);
            }
            Assert.That(store.CountCertificates(), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task AnIssuanceTheDatabaseRefusesFaultsAloneAndLeavesNoTrace()
    {
        var now = DateTimeOffset.UtcNow;
        var refusedChallenge = ChallengeId("refused@clever.test", now);
        await using (var database = new SqliteConnection($"Data Source={Path.Combine(stateDirectory, "ca.db")};Pooling=False"))
        {
            database.Open();
            using var trigger = database.CreateCommand();
            trigger.CommandText = """
                CREATE TRIGGER refuse BEFORE INSERT ON certificates WHEN NEW.transaction_id = 'tx-refused'
                BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END;
                """;
            trigger.ExecuteNonQuery();
        }

        var refused = store.CommitIssuanceAsync(Issued("refused"), refusedChallenge, now);
        var accepted = store.CommitIssuanceAsync(Issued("accepted"), challengeId: null, now);

        Assert.ThrowsAsync<SqliteException>(() => refused);
        Assert.That(await accepted, Is.True);
        Assert.That(store.FindByTransaction("tx-refused"), Is.Null);
        Assert.That(store.CheckChallenge(passwords["refused@clever.test"], "tx-later", now, _ => true).Result, Is.EqualTo(ChallengeCheck.Reserved),
            "the refused issuance did not consume its challenge");
    }

    private string ChallengeId(string address, DateTimeOffset now)
    {
        var password = store.CreateChallenge(address, AgentRole.HostManager, now, now.AddHours(1));
        passwords[address] = password;
        return CaStore.HashChallenge(password);
    }

    private static IssuedCertificate Issued(string name) => new(
        Convert.ToHexString(Guid.NewGuid().ToByteArray()), name + "@clever.test", AgentRole.HostManager,
        DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3], "tx-" + name, RevokedAt: null, RevocationReason: null);
}
