import { lstatSync, realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { UsageError } from './errors.js';

/** A file that leads out of the directory it was to be read in. */
export class LeadsOut extends UsageError {}

/**
 * The one path check of everything that reads a run's files for someone else (the dashboard,
 * the report): `file`'s real path (every symbolic link on the way resolved), if it lies inside
 * `within`'s real path and is a plain file; undefined when there is no such file. A link that
 * leads out of `within`, or a directory where a file belongs, is one line naming it: a file a
 * run wrote is never a link out of its directory, so one that is was put there by someone else.
 */
export function containedFile(file: string, within: string): string | undefined {
  const link = lstatSync(file, { throwIfNoEntry: false });
  if (!link) return undefined;
  let real: string;
  try {
    real = realpathSync.native(file);
  } catch {
    return undefined; // a link to nothing
  }
  if (!isInside(real, realpathSync.native(within)))
    throw new LeadsOut(`${file} leads out of ${within}; it is not read`);
  if (!statSync(real).isFile()) throw new UsageError(`${file} is not a file`);
  return real;
}

/** Whether the real path `real` is `root` itself or lies under it. */
export function isInside(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}
