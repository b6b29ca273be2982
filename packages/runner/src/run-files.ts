import { z } from 'zod';
import { UsageError } from './errors.js';

/**
 * The shapes of what a run directory holds, beyond config.json (checked by its task's schema):
 * a file that parses, even one whose checksum matches, is still read only if it has the shape
 * the code after it relies on. A file that does not is one line naming it and the problem.
 */

const count = z.number().int().min(0);
// A random key: four signed 32-bit integers.
const key = z
  .array(
    z
      .number()
      .int()
      .min(-(2 ** 31))
      .max(2 ** 31 - 1),
  )
  .length(4);
const evaluation = z.record(z.string(), z.number());

const historyEntry = z.looseObject({
  iteration: count,
  theta: z.array(z.number()),
  metaLoss: z.number().nullable(),
  evaluation,
});

/** A meta-trainer's snapshot as a checkpoint holds it (the estimator's own state is its own to check). */
export function trainerSnapshotSchema(dim: number) {
  return z.looseObject({
    iteration: count,
    theta: z
      .instanceof(Float64Array)
      .refine((theta) => theta.length === dim, `expected θ of ${dim} numbers`),
    optimizer: z.unknown(),
    estimator: z.unknown(),
    loopKey: key,
    evalKey: key,
    history: z.array(historyEntry).min(1, 'expected at least the initial evaluation'),
    counters: z.looseObject({
      innerSteps: count,
      nonFiniteParticles: count,
      skippedUpdates: count,
    }),
  });
}

/** checkpoint.json: the settings it was made under and the trainer's state. */
export function checkpointContentsSchema(dim: number) {
  return z.looseObject({
    config: z.looseObject({ task: z.string() }),
    trainer: trainerSnapshotSchema(dim),
  });
}

/** config.json as a report reads it (any version: only what the report shows). */
export const reportedConfigSchema = z.looseObject({
  task: z.string(),
  estimator: z.string(),
});

const figure = z.union([z.number(), z.array(z.number()), z.null()]);
const figures = z.record(z.string(), figure);

/** result.json as the report, `pes compare`, the dashboard and the experiments read it. */
export const resultSchema = z.looseObject({
  theta: z.array(z.number()),
  iterations: count,
  initial: figures,
  final: figures,
  // Each evaluation with the θ it was made at, as `pes meta-train` writes it (the mnist-lr-schedule
  // experiment plots that path). Named here so it is read as a list; the keys come out in the
  // order written (iteration, theta, then the rest), so a file passed on is unchanged.
  history: z.array(
    z.looseObject({ iteration: count, theta: z.array(z.number()) }).catchall(figure),
  ),
});

/** One line of metrics.jsonl; a line without an iteration (torn by a crash) is skipped. */
export const metricsLineSchema = z.looseObject({ iteration: count });

/** `value` read from `file`, checked by `schema`; one line naming the file otherwise. */
export function parseStored<S extends z.ZodType>(
  schema: S,
  value: unknown,
  file: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Paths and expectations only: a value shown could be a θ of thousands of numbers.
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'the whole file'}: ${issue.message}`);
  const more =
    parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : '';
  throw new UsageError(`${file} does not hold what a run writes: ${problems.join('; ')}${more}`);
}
