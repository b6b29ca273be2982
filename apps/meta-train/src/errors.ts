// The `pes` command's errors and exit statuses are @pes/runner's, which its runs raise.
export { EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, UsageError } from '@pes/runner/node';
