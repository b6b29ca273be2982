import { z } from 'zod';
import { defineCommand, integerFlag, textFlag } from '../command-line.js';

/**
 * `pes evaluate-optimizer`: fresh networks trained by a learned optimizer, its untrained start
 * and Adam over a grid. The values' own checks (ranges, tasks, suites) are the command's, so each
 * refusal names the flag in the command's words.
 */
export const evaluateOptimizerCommand = defineCommand({
  name: 'evaluate-optimizer',
  description:
    'train fresh networks with a learned optimizer, its untrained initialisation and Adam over a learning-rate grid; compare them',
  options: z.strictObject({
    weights: textFlag(
      "learned-optimizer.json written by meta-train --task lopt-*, 'shipped' (@pes/learned-opt's normalised learned optimizer, what familyLearnedOptimizer() returns) or 'shipped-mlp' (its MLP learned optimizer)",
      'FILE',
    ),
    task: z
      .string()
      .default('mnist-mlp')
      .describe(
        'inner problem: mnist-mlp, cifar10-mlp, mnist-conv, cifar10-conv, mnist-autoencoder or text-lstm',
      )
      .meta({ valueName: 'name' }),
    suite: textFlag(
      "a suite of problems instead of one task: 'held-out' (8 problems the normalised optimizer's family never drew) or 'mlp-family-held-out' (the MLP learned optimizer's); writes summary.md",
      'name',
    ),
    problems: textFlag("the suite's problems to run, comma-separated (default: all)", 'list'),
    horizons: z
      .array(z.number())
      .optional()
      .describe(
        "held-out suite: each problem's lengths as multiples of the longest meta-training horizon, 2,000 steps (default 1,5)",
      )
      .meta({ valueName: 'list' }),
    horizon: integerFlag(
      "held-out suite: the 1× length in steps (default 2,000; 500 for the MLP learned optimizer's family)",
      'T',
    ).optional(),
    reuse: z
      .boolean()
      .default(false)
      .describe(
        'a suite: read the runs whose evaluation.json already has these settings instead of rerunning them',
      ),
    pool: textFlag(
      'a suite: pool the runs of these suite directories, made with disjoint seeds (--seed), into one summary in --out; trains nothing',
      'dirs',
    ),
    jobs: integerFlag(
      "a suite's runs in this many child processes at once (default 1)",
      'N',
    ).optional(),
    out: textFlag('where evaluation.json, table.md and loss-curves.svg/png go', 'DIR'),
    steps: integerFlag('inner steps per network (default 200)', 'T').optional(),
    untrained: z
      .boolean()
      .default(true)
      .describe("leave out the learned optimizer's untrained start")
      .meta({ negate: true }),
    stepScale: z
      .number()
      .optional()
      .describe("multiplies the learned optimizer's steps (its stepScale knob; default 1)")
      .meta({ valueName: 'S' }),
    stepFeatureLimit: textFlag(
      "holds the learned optimizer's step features at step T ('none': never; default: the weights')",
      'T',
    ),
    adamFrom: textFlag(
      "read Adam's grid from an earlier evaluation of the same problem, seeds and grid (its directory; a suite's directory with --suite) instead of training it again",
      'DIR',
    ),
    widthScale: textFlag(
      "the normalised learned optimizer's μP-style width scale: tensors of fan-in above BASE step at lr·(BASE/fan-in)^POWER; 'none' turns it off (default for --weights shipped: 64,0.5, as familyLearnedOptimizer())",
      'BASE,POWER',
    ),
    depthScale: textFlag(
      "the normalised learned optimizer's depth scale: an update of more than BASE weight tensors steps them at lr·(BASE/depth)^POWER; 'none' (the default) turns it off",
      'BASE,POWER',
    ),
    seeds: integerFlag('fresh initialisations per optimizer', 'S').default(5),
    seed: integerFlag(
      'first evaluation seed (a key stream meta-training never draws)',
      'S',
    ).default(0),
    arch: textFlag('MLP layer sizes (default 784-32-10 / 3072-32-10)', 'sizes'),
    batch: integerFlag('minibatch size (default 32, as meta-training)', 'B').optional(),
    dataDir: textFlag(
      "directory of the official dataset files (in a suite, CIFAR-10's: MNIST is embedded)",
      'DIR',
    ),
    adamLrs: z
      .array(z.number())
      .default([1e-4, 3e-4, 1e-3, 3e-3, 1e-2])
      .describe(
        'Adam learning rates, comma-separated; the best by final validation loss is reported',
      )
      .meta({ valueName: 'list' }),
    evalEvery: integerFlag(
      'steps between points of the loss curves (default T/20)',
      'E',
    ).optional(),
    trainRecords: integerFlag(
      'training records in the training loss (the first R; validation uses all)',
      'R',
    ).default(10000),
  }),
  help: `Example:
  npx pes meta-train --task lopt-mnist --out runs/lopt
  npx pes evaluate-optimizer --weights runs/lopt/learned-optimizer.json --task mnist-mlp --steps 200 --seeds 5 --out runs/lopt-eval
  npx pes evaluate-optimizer --weights shipped --suite held-out --horizons 1,5 --jobs 2 --out runs/held-out
  npx pes evaluate-optimizer --weights shipped --suite held-out --horizons 1 --seed 5 --seeds 3 --jobs 2 --out runs/held-out-more
  npx pes evaluate-optimizer --suite held-out --pool runs/held-out,runs/held-out-more --out runs/held-out-pooled`,
  async action(_args, options, io) {
    const { pesCommand } = await import('../pes-command.js');
    return (await import('@pes/experiments/node')).evaluateOptimizer(options, {
      ...io,
      pes: pesCommand(),
    });
  },
});
