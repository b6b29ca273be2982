/**
 * Messages read from Redis and refused (undecodable, too deep, of a foreign session, unsigned,
 * for a shard nobody asked about, …): counted, never acted on. The first few are said, one line
 * each, then every hundredth, so that a flood of garbage cannot flood the terminal too.
 */
export class Refusals {
  private readonly counts = new Map<string, number>();
  total = 0;

  constructor(
    /** Where a refusal is said (a line without its `pes: ` prefix's subject). */
    private readonly say?: (line: string) => void,
  ) {}

  /** Counts one message refused for `reason` (its kind: "foreign session", "unsigned", …). */
  refuse(where: string, reason: string): void {
    this.total++;
    // Its kind: the reason without its details (what follows a colon or a parenthesis) and
    // without the ids and numbers in it.
    const kind = reason
      .replace(/\s*[(:].*$/, '')
      .replace(/\S*\d\S*/g, '…')
      .slice(0, 80);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.total <= 3 || this.total % 100 === 0)
      this.say?.(
        `pes: ignored a message in ${where}: ${reason}${this.total > 1 ? ` (${this.total} so far)` : ''}`,
      );
  }

  /** The counts by kind, as the progress line shows them: "3 messages ignored (2 unsigned, …)". */
  summary(): string | undefined {
    if (this.total === 0) return undefined;
    const kinds = [...this.counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
    return `${this.total} message${this.total === 1 ? '' : 's'} ignored (${kinds})`;
  }
}
