/**
 * A problem with what the user asked for (a flag, a file, a directory): the `pes` command
 * reports it as one line naming the problem, with exit code 2 and no stack trace.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit status of a usage error (and of a run that lost its directory's lock). */
export const EXIT_USAGE = 2;
/** A failure that is ours, not the user's (a bug): reported in one line, with a hint to report it. */
export const EXIT_INTERNAL = 1;
/** The conventional status of a program stopped by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;
