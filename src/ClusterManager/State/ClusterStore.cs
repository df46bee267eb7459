using Microsoft.Data.Sqlite;

namespace CleverCloud.ClusterManager.State;

/// <summary>
/// The CM's durable cluster state: admitted hosts, placed VMs and the image catalogue, in one SQLite file.
/// SQLite because the CM is a single writer that must survive restarts without a separate database server, and every
/// change is one transaction: a crash never leaves a half-applied operation.
/// </summary>
public sealed class ClusterStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    public ClusterStore(string databasePath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        Execute("""
            CREATE TABLE IF NOT EXISTS hosts (
                jid TEXT PRIMARY KEY,
                admitted_at TEXT NOT NULL,
                federated INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE IF NOT EXISTS excluded_hosts (
                jid TEXT PRIMARY KEY,
                reason TEXT NOT NULL,
                excluded_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS vms (
                name TEXT PRIMARY KEY,
                host_jid TEXT NOT NULL,
                vcpus INTEGER NOT NULL,
                memory_mib INTEGER NOT NULL,
                image TEXT,
                state TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS images (
                name TEXT PRIMARY KEY,
                path TEXT NOT NULL,
                format TEXT NOT NULL,
                size_bytes INTEGER,
                sha256 TEXT,
                description TEXT,
                registered_at TEXT NOT NULL
            );
            """);
    }

    // ---- hosts ----

    /// <summary>Admits a host; an explicit admission also lifts an earlier exclusion.</summary>
    /// <returns>false when the host was already admitted.</returns>
    public bool AdmitHost(string jid, bool federated)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var lift = Command("DELETE FROM excluded_hosts WHERE jid = $jid", transaction);
            lift.Parameters.AddWithValue("$jid", jid);
            lift.ExecuteNonQuery();
            using var command = Command("INSERT OR IGNORE INTO hosts (jid, admitted_at, federated) VALUES ($jid, $at, $fed)", transaction);
            command.Parameters.AddWithValue("$jid", jid);
            command.Parameters.AddWithValue("$at", Now());
            command.Parameters.AddWithValue("$fed", federated ? 1 : 0);
            var added = command.ExecuteNonQuery() == 1;
            transaction.Commit();
            return added;
        }
    }

    /// <summary>
    /// Removes a host and remembers why, so that it is not admitted again automatically when it asks to join (a removed
    /// or revoked host stays out until an administrator admits it again).
    /// </summary>
    /// <returns>false when the host was not admitted.</returns>
    public bool RemoveHost(string jid, string reason)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = Command("DELETE FROM hosts WHERE jid = $jid", transaction);
            command.Parameters.AddWithValue("$jid", jid);
            var removed = command.ExecuteNonQuery() == 1;
            using var exclude = Command("INSERT OR REPLACE INTO excluded_hosts (jid, reason, excluded_at) VALUES ($jid, $reason, $at)", transaction);
            exclude.Parameters.AddWithValue("$jid", jid);
            exclude.Parameters.AddWithValue("$reason", reason);
            exclude.Parameters.AddWithValue("$at", Now());
            exclude.ExecuteNonQuery();
            transaction.Commit();
            return removed;
        }
    }

    /// <summary>Why the host was removed, or null when it was not.</summary>
    public string? ExclusionOf(string jid)
    {
        lock (_gate)
        {
            using var command = Command("SELECT reason || ' (' || excluded_at || ')' FROM excluded_hosts WHERE jid = $jid");
            command.Parameters.AddWithValue("$jid", jid);
            return command.ExecuteScalar() as string;
        }
    }

    public IReadOnlyList<AdmittedHost> AdmittedHosts()
    {
        lock (_gate)
        {
            using var command = Command("SELECT jid, admitted_at, federated FROM hosts ORDER BY jid");
            using var reader = command.ExecuteReader();
            var hosts = new List<AdmittedHost>();
            while (reader.Read())
                hosts.Add(new AdmittedHost(reader.GetString(0), DateTimeOffset.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(2) != 0));
            return hosts;
        }
    }

    public bool IsAdmitted(string jid)
    {
        lock (_gate)
        {
            using var command = Command("SELECT 1 FROM hosts WHERE jid = $jid");
            command.Parameters.AddWithValue("$jid", jid);
            return command.ExecuteScalar() is not null;
        }
    }

    // ---- VMs ----

    /// <returns>false when a VM of that name is already recorded.</returns>
    public bool RecordVm(VmRecord vm)
    {
        lock (_gate)
        {
            using var command = Command("""
                INSERT OR IGNORE INTO vms (name, host_jid, vcpus, memory_mib, image, state, updated_at)
                VALUES ($name, $host, $vcpus, $mem, $image, $state, $at)
                """);
            command.Parameters.AddWithValue("$name", vm.Name);
            command.Parameters.AddWithValue("$host", vm.HostJid);
            command.Parameters.AddWithValue("$vcpus", vm.Vcpus);
            command.Parameters.AddWithValue("$mem", vm.MemoryMiB);
            command.Parameters.AddWithValue("$image", (object?)vm.Image ?? DBNull.Value);
            command.Parameters.AddWithValue("$state", vm.State);
            command.Parameters.AddWithValue("$at", Now());
            return command.ExecuteNonQuery() == 1;
        }
    }

    public bool UpdateVmState(string name, string state)
    {
        lock (_gate)
        {
            using var command = Command("UPDATE vms SET state = $state, updated_at = $at WHERE name = $name");
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$state", state);
            command.Parameters.AddWithValue("$at", Now());
            return command.ExecuteNonQuery() == 1;
        }
    }

    public bool RemoveVm(string name)
    {
        lock (_gate)
        {
            using var command = Command("DELETE FROM vms WHERE name = $name");
            command.Parameters.AddWithValue("$name", name);
            return command.ExecuteNonQuery() == 1;
        }
    }

    public VmRecord? FindVm(string name) => QueryVms("WHERE name = $name", ("$name", name)).FirstOrDefault();

    public IReadOnlyList<VmRecord> Vms() => QueryVms("");

    public IReadOnlyList<VmRecord> VmsOn(string hostJid) => QueryVms("WHERE host_jid = $host", ("$host", hostJid));

    private List<VmRecord> QueryVms(string where, params (string Name, object Value)[] parameters)
    {
        lock (_gate)
        {
            using var command = Command($"SELECT name, host_jid, vcpus, memory_mib, image, state FROM vms {where} ORDER BY name");
            foreach (var (name, value) in parameters)
                command.Parameters.AddWithValue(name, value);
            using var reader = command.ExecuteReader();
            var vms = new List<VmRecord>();
            while (reader.Read())
                vms.Add(new VmRecord(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5)));
            return vms;
        }
    }

    // ---- images ----

    /// <returns>false when an image of that name is already registered.</returns>
    public bool RegisterImage(ImageRecord image)
    {
        lock (_gate)
        {
            using var command = Command("""
                INSERT OR IGNORE INTO images (name, path, format, size_bytes, sha256, description, registered_at)
                VALUES ($name, $path, $format, $size, $sha, $desc, $at)
                """);
            command.Parameters.AddWithValue("$name", image.Name);
            command.Parameters.AddWithValue("$path", image.Path);
            command.Parameters.AddWithValue("$format", image.Format);
            command.Parameters.AddWithValue("$size", (object?)image.SizeBytes ?? DBNull.Value);
            command.Parameters.AddWithValue("$sha", (object?)image.Sha256 ?? DBNull.Value);
            command.Parameters.AddWithValue("$desc", (object?)image.Description ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", Now());
            return command.ExecuteNonQuery() == 1;
        }
    }

    public bool RemoveImage(string name)
    {
        lock (_gate)
        {
            using var command = Command("DELETE FROM images WHERE name = $name");
            command.Parameters.AddWithValue("$name", name);
            return command.ExecuteNonQuery() == 1;
        }
    }

    public ImageRecord? FindImage(string name) => Images().FirstOrDefault(i => i.Name == name);

    public IReadOnlyList<ImageRecord> Images()
    {
        lock (_gate)
        {
            using var command = Command("SELECT name, path, format, size_bytes, sha256, description FROM images ORDER BY name");
            using var reader = command.ExecuteReader();
            var images = new List<ImageRecord>();
            while (reader.Read())
                images.Add(new ImageRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
            return images;
        }
    }

    public void Dispose() => _connection.Dispose();

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record AdmittedHost(string Jid, DateTimeOffset AdmittedAt, bool Federated);

public sealed record VmRecord(string Name, string HostJid, int Vcpus, long MemoryMiB, string? Image, string State);

public sealed record ImageRecord(string Name, string Path, string Format, long? SizeBytes, string? Sha256, string? Description);
