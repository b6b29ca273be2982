import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DataError } from '@pes/inner-problems';

/** A CSV file with a header row, split into numeric features and the label column's values. */
export interface CsvTable {
  /** The feature columns, in the file's order (every column but the label). */
  columns: string[];
  /** rows × columns, row-major. */
  features: Float32Array;
  /** The label column's values as written. */
  labels: string[];
}

/** The largest CSV read (the whole file is parsed in memory). */
const MAX_CSV_BYTES = 512 * 1024 * 1024;

/**
 * Reads `path` (`flag` names it in errors): a header row, then one record per row; `label` is
 * the label column and every other column is a number. Any departure is one DataError naming
 * the file, the row and the column.
 */
export function readCsvTable(path: string, label: string, flag: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataError(
      `${flag} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  if (text.length > MAX_CSV_BYTES) throw new DataError(`${flag} ${path}: larger than 512 MiB`);
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (error) {
    throw new DataError(`${flag} ${path}: not CSV (${(error as Error).message})`);
  }
  const [header, ...records] = rows;
  if (!header || records.length === 0) {
    throw new DataError(`${flag} ${path}: no header row and records`);
  }
  const labelAt = header.indexOf(label);
  if (labelAt < 0) {
    throw new DataError(
      `${flag} ${path}: no column '${label}' (the --label column); its columns are ${header.join(', ')}`,
    );
  }
  const columns = header.filter((_, i) => i !== labelAt);
  const features = new Float32Array(records.length * columns.length);
  const labels: string[] = [];
  records.forEach((record, r) => {
    if (record.length !== header.length) {
      throw new DataError(
        `${flag} ${path}: row ${r + 2} has ${record.length} values for ${header.length} columns`,
      );
    }
    let c = 0;
    record.forEach((cell, i) => {
      if (i === labelAt) return;
      const value = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) {
        throw new DataError(
          `${flag} ${path}: row ${r + 2}, column '${header[i]}' is '${cell.slice(0, 40)}', not a finite number`,
        );
      }
      features[r * columns.length + c++] = value;
    });
    labels.push(record[labelAt]!);
  });
  return { columns, features, labels };
}
