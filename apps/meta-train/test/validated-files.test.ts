import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '@pes/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';

let finished: string;

beforeAll(async () => {
  finished = join(temporaryDirectory('pes-validated-'), 'run');
  const { status } = await pes(
    'meta-train',
    '--task',
    'quadratic',
    '--iterations',
    '20',
    '--eval-every',
    '10',
    '--out',
    finished,
  );
  expect(status).toBe(0);
});

/** A copy of the finished run with `edit` applied to it. */
function edited(edit: (dir: string) => void): string {
  const dir = join(temporaryDirectory('pes-validated-'), 'run');
  cpSync(finished, dir, { recursive: true });
  edit(dir);
  return dir;
}

/** Rewrites the checkpoint's state through `change`, with a checksum that matches again. */
function editCheckpoint(
  change: (contents: { config: object; trainer: Record<string, unknown> }) => void,
) {
  return (dir: string) => {
    const file = join(dir, 'checkpoint.json');
    const contents = loadCheckpoint(file) as { config: object; trainer: Record<string, unknown> };
    change(contents);
    saveCheckpoint(file, contents);
  };
}

/** Deletes the running β^t products from every Adam state in an optimizer's (nested) state. */
function withoutAdamPowers(state: unknown): void {
  if (Array.isArray(state)) state.forEach(withoutAdamPowers);
  else if (state && typeof state === 'object' && 'b1Power' in state) {
    delete (state as { b1Power?: number }).b1Power;
    delete (state as { b2Power?: number }).b2Power;
  }
}

function editJson(name: string, change: (json: Record<string, unknown>) => unknown) {
  return (dir: string) => {
    const file = join(dir, name);
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify(change(json) ?? json));
  };
}

describe('files that parse (and pass their checksum) but do not fit their schema: one line, exit 2', () => {
  it.each([
    [
      'θ of another length',
      editCheckpoint((c) => (c.trainer.theta = Float64Array.of(1, 2, 3))),
      /checkpoint\.json does not hold what a run writes: trainer\.theta: expected θ of 2 numbers$/,
    ],
    [
      'θ as a string',
      editCheckpoint((c) => (c.trainer.theta = 'θ')),
      /checkpoint\.json does not hold what a run writes: trainer\.theta: /,
    ],
    [
      'no history',
      editCheckpoint((c) => (c.trainer.history = [])),
      /checkpoint\.json does not hold what a run writes: trainer\.history: expected at least the initial evaluation$/,
    ],
    [
      'a key that is a number',
      editCheckpoint((c) => (c.trainer.loopKey = 7)),
      /checkpoint\.json does not hold what a run writes: trainer\.loopKey: /,
    ],
    [
      'counters missing',
      editCheckpoint((c) => delete c.trainer.counters),
      /checkpoint\.json does not hold what a run writes: trainer\.counters: /,
    ],
    [
      'no state at all',
      editCheckpoint((c) => (c.trainer = null as never)),
      /checkpoint\.json does not hold what a run writes: trainer: /,
    ],
    [
      'an Adam state of an older @pes (β^t by `**`, no running products)',
      editCheckpoint((c) => withoutAdamPowers(c.trainer.optimizer)),
      /cannot resume .*checkpoint\.json: the Adam state has no running β1\^t, β2\^t .*: start the run again$/,
    ],
    [
      'a config.json with a sigma that is a string',
      editJson('config.json', (j) => ({ ...j, sigma: 'large' })),
      /config\.json: sigma: /,
    ],
  ])('--resume with %s', async (_, edit, message) => {
    const dir = edited(edit);
    const { status, err } = await pes('meta-train', '--resume', dir);
    expect(err).toEqual([expect.stringMatching(new RegExp(`^pes: .*${message.source}`))]);
    expect(status).toBe(2);
  });

  it.each([
    [
      'result.json whose history is a number',
      editJson('result.json', (j) => ({ ...j, history: 5 })),
    ],
    ['result.json that is an array', editJson('result.json', () => [1, 2])],
    [
      'result.json without its final figures',
      editJson('result.json', (j) => ({ ...j, final: 'x' })),
    ],
    ['config.json without a task', editJson('config.json', (j) => ({ ...j, task: undefined }))],
    ['config.json that is a number', editJson('config.json', () => 42)],
  ])('pes report with %s', async (what, edit) => {
    const dir = edited(edit);
    const { status, err } = await pes('report', dir);
    const file = what.split(' ')[0]!.replace('.', '\\.');
    expect(err).toEqual([
      expect.stringMatching(new RegExp(`^pes: .*${file} does not hold what a run writes: `)),
    ]);
    expect(status).toBe(2);
  });
});

/** The run's config.json and its checkpoint's settings changed alike, the checksum recomputed. */
function editSettings(change: Record<string, unknown>) {
  return (dir: string) => {
    editCheckpoint((c) => Object.assign(c.config, change))(dir);
    editJson('config.json', (j) => ({ ...j, ...change }))(dir);
  };
}

describe('a run directory edited by hand, then --resume: one line, exit 2', () => {
  it.each([
    [
      'metrics.jsonl replaced by a directory',
      (dir: string) => {
        rmSync(join(dir, 'metrics.jsonl'));
        mkdirSync(join(dir, 'metrics.jsonl'));
      },
      /metrics\.jsonl is not a file; move it away and --resume again/,
    ],
    [
      "the checkpoint and config.json both set to another estimator, the checksum recomputed (the state is still PES's)",
      editSettings({ estimator: 'tes' }),
      /cannot resume from .*checkpoint\.json: its state does not fit the run's settings \(.*\); start the run again$/,
    ],
    [
      'config.json made with other settings than its checkpoint',
      editJson('config.json', (j) => ({ ...j, sigma: 0.5, seed: 3 })),
      /checkpoint\.json was made with other settings than .*config\.json \(sigma: checkpoint 0\.1, config\.json 0\.5, seed: checkpoint 0, config\.json 3\)$/,
    ],
  ])('%s', async (_, edit, message) => {
    const dir = edited(edit);
    const { status, err } = await pes('meta-train', '--resume', dir, '--iterations', '25');
    expect(err).toEqual([expect.stringMatching(new RegExp(`^pes: .*${message.source}`))]);
    expect(status).toBe(2);
  });
});
