using System.Globalization;
using CleverCloud.Agent;
using CleverCloud.Agent.Hosting;
using CleverCloud.Cli;
using CleverCloud.Cli.Commands;

// clever: the administrators' command line. Exit codes: 0 ok, 2 the cluster answered with an error,
// 3 the cluster could not be reached, 64 bad usage, 78 bad configuration.
return await CliApplication.RunAsync(args);
