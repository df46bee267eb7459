using CleverCloud.HostManager.Monitoring;

namespace CleverCloud.HostManager.Tests;

public sealed class HostMetricsReaderTests
{
    [Test]
    public void Cpu_busy_share_comes_from_the_delta_between_two_proc_stat_readings()
    {
        var earlier = HostMetricsReader.ParseCpuTimes("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n");
        var later = HostMetricsReader.ParseCpuTimes("cpu  250 0 150 850 150 0 0 0 0 0\n");
        // Busy grew by 200 (user 150 + system 50), total by 400 (idle +150, iowait +50).
        Assert.That(CpuTimes.PercentBusy(earlier, later), Is.EqualTo(50.0).Within(0.001));
    }

    [Test]
    public void A_counter_reset_reads_as_zero_not_as_garbage()
    {
        var later = HostMetricsReader.ParseCpuTimes("cpu  10 0 10 10 0 0 0 0 0 0\n");
        var earlier = HostMetricsReader.ParseCpuTimes("cpu  100 0 100 700 100 0 0 0 0 0\n");
        Assert.That(CpuTimes.PercentBusy(earlier, later), Is.Zero);
    }

    [Test]
    public void Meminfo_prefers_MemAvailable()
    {
        var memory = HostMetricsReader.ParseMemInfo("MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    9000000 kB\n");
        Assert.That(memory, Is.EqualTo(new MemoryInfo(16000000, 9000000)));
    }

    [Test]
    public void Meminfo_without_MemTotal_is_a_format_error() =>
        Assert.That(() => HostMetricsReader.ParseMemInfo("MemFree: 1 kB\n"), Throws.TypeOf<FormatException>());

    [Test]
    public void Loadavg_is_parsed_invariantly() =>
        Assert.That(HostMetricsReader.ParseLoadAverage("0.52 1.25 2.00 2/345 6789\n"), Is.EqualTo(new LoadAverage(0.52, 1.25, 2.00)));

    [Test]
    public void The_real_proc_files_and_statvfs_are_readable()
    {
        var memory = HostMetricsReader.ReadMemory();
        var disk = HostMetricsReader.ReadDiskSpace(Path.GetTempPath());
        Assert.That(memory.TotalKiB, Is.GreaterThan(memory.AvailableKiB / 2));
        Assert.That(disk.TotalBytes, Is.GreaterThanOrEqualTo(disk.AvailableBytes).And.GreaterThan(0UL));
        Assert.That(HostMetricsReader.ReadCpuTimes().Total, Is.GreaterThan(0UL));
    }

    [Test]
    public void Statvfs_of_a_missing_path_is_an_IOException() =>
        Assert.That(() => HostMetricsReader.ReadDiskSpace("/no/such/dir/anywhere"), Throws.InstanceOf<IOException>());
}
