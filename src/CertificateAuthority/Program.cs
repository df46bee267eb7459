using CleverCloud.CertificateAuthority.Cli;

return await AdminCommands.RunAsync(args).ConfigureAwait(false);
