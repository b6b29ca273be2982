import { defineTask, horizonOption, makeKey } from '@pes/core';
import { z } from 'zod';
import { DataError } from '../data/dataset.js';

/** θ's initial draw and the random text's characters: the same for every run, so runs start alike. */
const TEXT_KEY = makeKey(0);

/**
 * The character-level LSTM of the paper's variance study (docs/paper.md f) as a task to
 * meta-train: θ is every weight of the LSTM, the inner steps are the characters of one text.
 * Without `--text-file` it reads the public-domain passage that ships with the package.
 */
export const charLstmTaskSpec = defineTask({
  name: 'char-lstm',
  description:
    'weights of a 1-layer character LSTM reading one text; loss: next-character cross-entropy (paper f)',
  options: z.strictObject({
    horizon: horizonOption.optional(),
    textFile: z
      .string()
      .min(1)
      .describe('a UTF-8 text file (default: a public-domain passage that ships with @pes)')
      .meta({ valueName: 'FILE' })
      .optional(),
    textKind: z
      .enum(['real', 'random', 'repeated'])
      .describe(
        'the text itself, random characters of its vocabulary, or its first character repeated',
      )
      .optional(),
    embedding: z
      .number()
      .int()
      .positive()
      // Every particle keeps its own LSTM, 4 × hidden × (hidden + embedding) weights.
      .max(4096, 'at most 4,096 (every particle keeps its own LSTM)')
      .describe('LSTM embedding size')
      .meta({ valueName: 'E' })
      .optional(),
    hidden: z
      .number()
      .int()
      .positive()
      // Every particle keeps its own LSTM, 4 × hidden × (hidden + embedding) weights.
      .max(4096, 'at most 4,096 (every particle keeps its own LSTM)')
      .describe('LSTM hidden units')
      .meta({ valueName: 'H' })
      .optional(),
  }),
  defaults: {
    horizon: 1000,
    textKind: 'real',
    embedding: 5,
    hidden: 5,
    particles: 32,
    sigma: 0.01,
    iterations: 300,
    checkpointEvery: 50,
  },
  async create(options) {
    const [{ charLstmTask, sequenceOf }, { DEFAULT_TEXT }] = await Promise.all([
      import('../text/char-lstm.js'),
      import('../text/default-text.js'),
    ]);
    const text = options.textFile ? await readText(options.textFile) : DEFAULT_TEXT;
    const sequence = sequenceOf(text, options.textKind, options.horizon, TEXT_KEY);
    return charLstmTask({
      ...sequence,
      key: TEXT_KEY,
      embedding: options.embedding,
      hidden: options.hidden,
    });
  },
});

async function readText(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new DataError(
      `cannot read text file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}
