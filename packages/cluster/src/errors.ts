/**
 * A problem of the cluster that is the user's to fix (Redis unreachable or gone, a wrong
 * password, too few workers, a --redis value that is no Redis URL): one line naming it. An app
 * reports it as a usage error (the `pes` command: one line, exit 2), by its name.
 */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
}
