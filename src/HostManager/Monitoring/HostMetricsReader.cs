using System.Globalization;
using CleverCloud.HostManager.Libvirt.Native;

namespace CleverCloud.HostManager.Monitoring;

/// <summary>Cumulative CPU jiffies from the aggregate line of /proc/stat.</summary>
public readonly record struct CpuTimes(ulong Busy, ulong Total)
{
    /// <summary>Busy share of the time elapsed between two readings, 0..100.</summary>
    public static double PercentBusy(CpuTimes earlier, CpuTimes later)
    {
        var total = later.Total - earlier.Total;
        if (later.Total <= earlier.Total || later.Busy < earlier.Busy)
            return 0;
        return Math.Clamp(100.0 * (later.Busy - earlier.Busy) / total, 0, 100);
    }
}

public readonly record struct MemoryInfo(ulong TotalKiB, ulong AvailableKiB);

public readonly record struct DiskSpace(ulong TotalBytes, ulong AvailableBytes);

public readonly record struct LoadAverage(double One, double Five, double Fifteen);

/// <summary>Reads host metrics from /proc and statvfs. Parsers take text so they can be tested on fixtures.</summary>
public static class HostMetricsReader
{
    public static CpuTimes ReadCpuTimes() => ParseCpuTimes(File.ReadAllText("/proc/stat"));

    public static MemoryInfo ReadMemory() => ParseMemInfo(File.ReadAllText("/proc/meminfo"));

    public static LoadAverage ReadLoadAverage() => ParseLoadAverage(File.ReadAllText("/proc/loadavg"));

    /// <summary>The first line of /proc/stat: <c>cpu user nice system idle iowait irq softirq steal guest guest_nice</c>.</summary>
    public static CpuTimes ParseCpuTimes(string procStat)
    {
        var line = procStat.AsSpan();
        var end = line.IndexOf('\n');
        if (end >= 0)
            line = line[..end];
        var fields = line.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[0] != "cpu")
            throw new FormatException("/proc/stat does not start with the aggregate cpu line");
        ulong total = 0, idle = 0;
        // guest and guest_nice (fields 9, 10) are already counted in user and nice.
        for (var i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            var value = ulong.Parse(fields[i], CultureInfo.InvariantCulture);
            total += value;
            if (i is 4 or 5) // idle, iowait
                idle += value;
        }
        return new CpuTimes(total - idle, total);
    }

    public static MemoryInfo ParseMemInfo(string procMemInfo)
    {
        ulong? total = null, available = null, free = null;
        foreach (var line in procMemInfo.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
                continue;
            var value = ulong.Parse(parts[1], CultureInfo.InvariantCulture);
            switch (parts[0])
            {
                case "MemTotal:": total = value; break;
                case "MemAvailable:": available = value; break;
                case "MemFree:": free = value; break;
            }
        }
        if (total is null)
            throw new FormatException("/proc/meminfo has no MemTotal");
        // MemAvailable exists since Linux 3.14; MemFree is the conservative fallback.
        return new MemoryInfo(total.Value, available ?? free ?? 0);
    }

    public static LoadAverage ParseLoadAverage(string procLoadAvg)
    {
        var fields = procLoadAvg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 3)
            throw new FormatException("/proc/loadavg has fewer than three fields");
        return new LoadAverage(
            double.Parse(fields[0], CultureInfo.InvariantCulture),
            double.Parse(fields[1], CultureInfo.InvariantCulture),
            double.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    /// <summary>statvfs(3) of the file system holding <paramref name="path"/>; available = space for unprivileged users.</summary>
    public static unsafe DiskSpace ReadDiskSpace(string path)
    {
        StatVfs stats;
        if (LibcNative.statvfs(path, &stats) != 0)
            throw new IOException($"statvfs({path}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        var fragment = stats.FragmentSize.Value != 0 ? stats.FragmentSize.Value : stats.BlockSize.Value;
        return new DiskSpace(stats.Blocks.Value * fragment, stats.BlocksAvailable.Value * fragment);
    }
}
