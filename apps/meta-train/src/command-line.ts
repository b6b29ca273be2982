import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { describeOptions, type OptionDescription } from '@pes/core';
import { UsageError } from './errors.js';
import { readStructuredFile, describeIssues, type Io } from '@pes/runner/node';

// What every command's declaration shares: the value parsers, flags derived from a zod schema,
// and the registration of a command whose options are one schema. A declaration module says
// what a command takes; its implementation is imported only when it runs, so `pes --help`,
// `pes list` and a refused flag load no tensor library, simulator or plotting stack.

/** Runs a command's action and records its exit status for `main`. */
export type Runner = (action: () => Promise<number> | number) => void;

/** What a command's declaration registers itself with. */
export interface CommandContext {
  readonly io: Io;
  readonly run: Runner;
}

/** A command of `pes`: it adds itself, its options and its help to the program. */
export interface PesCommand {
  readonly name: string;
  register(program: Command, context: CommandContext): void;
}

export const number = (value: string): number => {
  const x = Number(value);
  if (value.trim() === '' || Number.isNaN(x)) throw new InvalidArgumentError('expected a number.');
  if (!Number.isFinite(x)) throw new InvalidArgumentError('expected a finite number.');
  return x;
};
export const integer = (value: string): number => {
  const x = number(value);
  if (!Number.isInteger(x)) throw new InvalidArgumentError('expected an integer.');
  return x;
};
const numberList = (value: string): number[] => value.split(',').map((v) => number(v.trim()));

/** Parses a flag's value by the kind its schema declares. */
const parserOf = (kind: OptionDescription['kind']) =>
  kind === 'integer'
    ? integer
    : kind === 'number'
      ? number
      : kind === 'number-list'
        ? numberList
        : kind === 'object'
          ? (file: string) => readStructuredFile(file)
          : undefined;

/** The help line of a setting: its description, its choices, the tasks that read it. */
function helpOf(option: OptionDescription & { tasks?: readonly string[] }): string {
  const choices = option.choices ? ` (${option.choices.join(', ')})` : '';
  const tasks = option.tasks?.length ? ` [${option.tasks.join(', ')}]` : '';
  return `${option.description}${choices}${tasks}`;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** How a setting is added: `defaults` are shown in help and given to commander; `required` fields must be given. */
interface AddSettingsOptions {
  readonly defaults?: ReadonlyMap<string, unknown>;
  readonly required?: ReadonlySet<string>;
}

/**
 * Adds one commander option per setting (and one per alias), and returns the map from
 * commander's attribute names back to the settings' fields.
 */
export function addSettings(
  command: Command,
  options: readonly (OptionDescription & { tasks?: readonly string[] })[],
  { defaults, required }: AddSettingsOptions = {},
): Map<string, string> {
  const fieldOf = new Map<string, string>();
  for (const option of options) {
    const flags = [option.flag, ...option.aliases];
    for (const [index, flag] of flags.entries()) {
      const spelled =
        option.kind === 'boolean'
          ? option.negate
            ? `--no-${flag}`
            : `--${flag}`
          : `--${flag} <${option.valueName}>`;
      const help = index === 0 ? helpOf(option) : `the same as --${option.flag}`;
      const commanderOption = new Option(spelled, help);
      const parse = parserOf(option.kind);
      if (parse) commanderOption.argParser(parse as (value: string) => unknown);
      if (index > 0) commanderOption.conflicts(camel(option.flag));
      if (index === 0 && option.kind !== 'boolean' && defaults?.has(option.field))
        commanderOption.default(defaults.get(option.field));
      if (index === 0 && required?.has(option.field)) commanderOption.makeOptionMandatory();
      command.addOption(commanderOption);
      fieldOf.set(commanderOption.attributeName(), option.field);
    }
  }
  return fieldOf;
}

/** The options commander collected, by field; `given` gets the fields set on the command line. */
export function collect(
  command: Command,
  values: Record<string, unknown>,
  fieldOf: Map<string, string>,
  given: Set<string>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const field = fieldOf.get(name) ?? name;
    const fromCli = command.getOptionValueSource(name) === 'cli';
    // A --no-x flag's default comes from the schema (or the task), not from commander.
    if (!fromCli && typeof value === 'boolean' && fieldOf.has(name)) continue;
    fields[field] = value;
    if (fromCli) given.add(field);
  }
  return fields;
}

/** The defaults and the required fields of an object schema, as its JSON Schema states them. */
function defaultsAndRequired(schema: z.ZodObject) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { default?: unknown }>;
    required?: string[];
  };
  const defaults = new Map<string, unknown>();
  for (const [field, property] of Object.entries(json.properties ?? {}))
    if (property.default !== undefined) defaults.set(field, property.default);
  return { defaults, required: new Set(json.required ?? []) };
}

/** A flag that takes text: optional, with its help and its placeholder in help (`<DIR>`). */
export const textFlag = (description: string, valueName: string) =>
  z.string().optional().describe(description).meta({ valueName });

/** A flag that takes an integer, with its help and placeholder; `.optional()` or `.default(n)` it. */
export const integerFlag = (description: string, valueName: string) =>
  z.number().int().describe(description).meta({ valueName });

/** A switch, off unless given. */
export const switchFlag = (description: string) => z.boolean().default(false).describe(description);

/** A command whose options are one zod schema: flags, help and parsing all derive from it. */
export interface CommandSpec<S extends z.ZodObject> {
  readonly name: string;
  readonly description: string;
  /** Positional arguments as commander spells them (`<DIR>`, `<DIR...>`), with their help. */
  readonly arguments?: readonly (readonly [spelled: string, description: string])[];
  readonly options: S;
  /** Lines of `--help` after the options. */
  readonly help?: string;
  /** Runs the command (importing its implementation); returns the exit status. */
  action(args: string[], options: z.output<S>, io: Io): Promise<number>;
}

/** Declares a command by its schema: what a declaration module exports. */
export function defineCommand<S extends z.ZodObject>(spec: CommandSpec<S>): PesCommand {
  return {
    name: spec.name,
    register(program, { io, run }) {
      const command = program.command(spec.name).description(spec.description);
      for (const [spelled, description] of spec.arguments ?? [])
        command.argument(spelled, description);
      const descriptions = describeOptions(spec.options);
      const fieldOf = addSettings(command, descriptions, defaultsAndRequired(spec.options));
      const flagOf = (field: string) =>
        `--${descriptions.find((d) => d.field === field)?.flag ?? field}`;
      if (spec.help) command.addHelpText('after', `\n${spec.help}`);
      command
        .action((...params: unknown[]) => {
          // commander passes the arguments, then the options, then the command itself.
          const args = params.slice(0, spec.arguments?.length ?? 0).flat() as string[];
          const values = params.at(-2) as Record<string, unknown>;
          run(async () => {
            const fields = collect(command, values, fieldOf, new Set());
            const parsed = spec.options.safeParse(fields);
            if (!parsed.success) throw new UsageError(describeIssues(parsed.error, fields, flagOf));
            return spec.action(args, parsed.data, io);
          });
        })
        .exitOverride();
    },
  };
}
