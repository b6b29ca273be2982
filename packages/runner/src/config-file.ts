import { readFileSync } from 'node:fs';
import { closest } from 'fastest-levenshtein';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { describeIssues, fieldSchemas, type RunConfig } from './config.js';
import { UsageError } from './errors.js';

/**
 * A run's settings from a JSON or YAML file (YAML is a superset of JSON, so one parser reads
 * both). Problems are named with the file, the line and column, the field and the nearest
 * valid field name.
 */
export function loadConfigFile(file: string): Partial<RunConfig> {
  const value = readStructuredFile(file, 'config file');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${file} must hold a mapping of settings (field: value)`);
  }
  const schemas = fieldSchemas();
  const fields = Object.keys(schemas);
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) {
      throw new UsageError(
        `${file}: unknown field '${key}'; did you mean '${closest(key, fields)}'?`,
      );
    }
  }
  // Each field's type here; whether the task reads it is checked once the task is known.
  const parsed = z.strictObject(schemas).partial().safeParse(value);
  if (!parsed.success) throw new UsageError(`${file}: ${describeIssues(parsed.error, value)}`);
  return parsed.data as Partial<RunConfig>;
}

/**
 * The value a JSON or YAML file holds (`.json` is read as strict JSON, anything else as YAML);
 * a file that cannot be read or parsed is a UsageError naming it, and where in it.
 */
export function readStructuredFile(file: string, what = 'file'): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return file.endsWith('.json') ? parseJson(file, text) : parseYaml(file, text);
}

function parseYaml(file: string, text: string): unknown {
  const document = parseDocument(text);
  const problem = document.errors[0];
  if (problem) {
    const where = problem.linePos?.[0]
      ? ` at line ${problem.linePos[0].line}, column ${problem.linePos[0].col}`
      : '';
    throw new UsageError(
      `${file} is not valid YAML${where}: ${problem.message.split(/ at line|\n/)[0]}`,
    );
  }
  try {
    // The yaml library refuses excessive aliases (a "billion laughs" file) as it builds the value.
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
}

/**
 * JSON files are read as JSON, strictly (YAML would take `"a": }` for a null). V8 gives either a
 * position, turned into line and column, or a snippet of the text around the fault.
 */
function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = Number(/position (\d+)/.exec(message)?.[1]);
    let where = '';
    if (Number.isInteger(position)) {
      const before = text.slice(0, position).split('\n');
      where = ` at line ${before.length}, column ${before.at(-1)!.length + 1}`;
    }
    throw new UsageError(
      `${file} is not valid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
    );
  }
}
