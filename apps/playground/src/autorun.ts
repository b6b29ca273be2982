import { runSettingsSchema } from '@pes/core';
import type { Panel } from './panel.js';
import type { PlaygroundOverrides } from './run-config.js';

/**
 * The page's test mode: `?autorun=TASK&estimators=pes,tes&iterations=20&seed=0` trains those runs
 * to the end, then writes each run's final θ into `result` (exact: the float64 bits in
 * hexadecimal, and the shortest decimal that reads back the same). With `report=PATH` it also
 * POSTs that text to PATH, so a test serving the page learns when it is done; with `image=1`
 * the text holds the plot too, as a PNG data URL.
 */
export function runAutorun(params: URLSearchParams, panels: readonly Panel[], result: HTMLElement) {
  const task = params.get('autorun');
  if (!task) return;
  const panel = panels.find((p) => p.task === task);
  if (!panel) {
    result.textContent = JSON.stringify({ error: `no panel for task '${task}'` });
    return;
  }
  const number = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined);
  const overrides: PlaygroundOverrides = {
    iterations: number('iterations'),
    seed: number('seed'),
    unrollLength: number('unroll'),
    particles: number('particles'),
    sigma: number('sigma'),
    outerLr: number('outer-lr'),
    outerOptimizer: params.has('outer-optimizer')
      ? runSettingsSchema.shape.outerOptimizer.parse(params.get('outer-optimizer'))
      : undefined,
  };
  const estimators = (params.get('estimators') ?? 'pes').split(',');
  panel.onFinished((runs) => {
    const image = params.get('image') === '1' ? panel.image() : undefined;
    result.textContent = JSON.stringify({ task, runs, image });
    result.hidden = false;
    result.dataset.done = 'true';
    const report = params.get('report');
    if (report) void fetch(report, { method: 'POST', body: result.textContent });
  });
  panel.configure(estimators, overrides);
  panel.start();
}
