// Entry point: replaced as the service is built.
return 0;
