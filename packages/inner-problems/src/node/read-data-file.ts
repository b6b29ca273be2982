import { readFileSync } from 'node:fs';
import { DataError } from '../data/dataset.js';

/**
 * A data file's bytes; a path that cannot be read (a directory, no permission, gone) is a
 * DataError naming the file and the reason, which the command line reports in one line.
 */
export function readDataFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EISDIR' ? 'it is a directory, not a file' : (code ?? String(error));
    throw new DataError(`cannot read ${file}: ${reason}`);
  }
}
