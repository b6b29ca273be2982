import { z } from 'zod';

/** How a setting is written on a command line or in a form: derived from its schema. */
export interface OptionDescription {
  /** The field's name in configs (`unrollLength`). */
  readonly field: string;
  /** The command-line flag without dashes (`unroll`); `no-<flag>` when `negate` is set. */
  readonly flag: string;
  /** Other flags that set the same field (`meta-loss` for `objective`). */
  readonly aliases: readonly string[];
  /**
   * `object`: a structured value (a task family, say), written in a config file, or on the
   * command line as the name of a JSON or YAML file that holds it.
   */
  readonly kind: 'integer' | 'number' | 'string' | 'boolean' | 'number-list' | 'object';
  readonly description: string;
  /** The placeholder shown in help (`<K>`). */
  readonly valueName: string;
  /** The allowed values of a string option. */
  readonly choices?: readonly string[];
  /** A boolean that defaults to true and is switched off by `--no-<flag>`. */
  readonly negate: boolean;
}

/** What a schema field may carry in its `meta` for the command line. */
export interface OptionMeta {
  flag?: string;
  aliases?: string[];
  valueName?: string;
  negate?: boolean;
}

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

interface JsonSchemaField {
  type?: string;
  enum?: string[];
  items?: { type?: string };
  description?: string;
  flag?: string;
  aliases?: string[];
  valueName?: string;
  negate?: boolean;
}

/**
 * Every field of an object schema as the command line sees it. The flag is the field's name in
 * kebab case unless its meta names another; the kind, the choices and the description come from
 * the schema itself (through its JSON Schema), so nothing about an option is written twice.
 */
export function describeOptions(schema: z.ZodObject): OptionDescription[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaField>;
  };
  return Object.entries(json.properties ?? {}).map(([field, f]) => {
    const kind =
      f.type === 'integer'
        ? 'integer'
        : f.type === 'number'
          ? 'number'
          : f.type === 'boolean'
            ? 'boolean'
            : f.type === 'array'
              ? 'number-list'
              : f.type === 'object'
                ? 'object'
                : 'string';
    const flag = f.flag ?? kebab(field);
    return {
      field,
      flag,
      aliases: f.aliases ?? [],
      kind,
      description: f.description ?? '',
      valueName:
        f.valueName ??
        (f.enum ? 'name' : kind === 'number-list' ? 'list' : kind === 'object' ? 'FILE' : 'value'),
      ...(f.enum ? { choices: f.enum } : {}),
      negate: f.negate === true,
    } satisfies OptionDescription;
  });
}

/** `--flag` as the user types it (`--no-antithetic` for a negated boolean). */
export function flagName(option: OptionDescription): string {
  return option.negate ? `--no-${option.flag}` : `--${option.flag}`;
}
