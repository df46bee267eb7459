using System.Runtime.Versioning;

// The agents, slapd and the POSIX file modes these tests check exist on Linux only.
[assembly: SupportedOSPlatform("linux")]
