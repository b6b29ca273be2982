import { describeOptions, runSettingsSchema } from '@pes/core';
import { estimatorColor } from './colors.js';
import type { IterationPoint, RunStatus, WorkerReply, WorkerRequest } from './protocol.js';
import {
  estimatorsFor,
  findPlaygroundTask,
  resolvePlaygroundConfig,
  type PlaygroundOverrides,
} from './run-config.js';

/** A plot of the runs' paths, redrawn whole as points arrive. */
export interface TaskView {
  readonly canvas: HTMLCanvasElement;
  draw(paths: Map<string, IterationPoint[]>): void;
}

export interface PanelOptions {
  task: string;
  title: string;
  /** What to watch for, in a sentence or two. */
  watch: string;
  /** The estimators ticked at first. */
  estimators: readonly string[];
  view: TaskView;
}

/** One task's part of the page, as the test mode drives it. */
export interface Panel {
  readonly task: string;
  /** New runs with these estimators and settings, paused at iteration 0. */
  configure(estimators: readonly string[], overrides: PlaygroundOverrides): void;
  start(): void;
  /** Called once each time every run has reached its last iteration. */
  onFinished(listener: (runs: RunStatus[]) => void): void;
  /** The plot as it stands, drawn now, as a PNG data URL. */
  image(): string;
}

/** The settings a visitor may change, with the symbols of the paper. */
const CONTROLS: readonly {
  field: Exclude<keyof PlaygroundOverrides, 'outerOptimizer'>;
  symbol: string;
}[] = [
  { field: 'unrollLength', symbol: 'K' },
  { field: 'particles', symbol: 'N' },
  { field: 'sigma', symbol: 'σ' },
  { field: 'outerLr', symbol: 'outer learning rate' },
  { field: 'seed', symbol: 'seed' },
  { field: 'iterations', symbol: 'iterations' },
];

/** What computes the runs: these tasks are loops over typed arrays. */
export function backendOf(task: string): string {
  return findPlaygroundTask(task).usesTensors
    ? 'tfjs (a tensor task: not offered by this page yet)'
    : 'typed arrays (no tensor backend needed)';
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Partial<HTMLElementTagNameMap[K]> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

/**
 * A task's section: its plot, its controls (estimators, K, N, σ, outer learning rate, seed,
 * iterations; an empty field is the task's default, as an omitted flag is for `pes meta-train`),
 * start, pause, step and reset, and its own training worker.
 */
export async function createPanel(parent: HTMLElement, options: PanelOptions): Promise<Panel> {
  const spec = findPlaygroundTask(options.task);
  const task = await spec.create(resolvePlaygroundConfig(spec.name, 'pes').options);
  const offered = estimatorsFor(task);
  const descriptions = new Map(describeOptions(runSettingsSchema).map((o) => [o.field, o]));

  const boxes = offered.map((estimator) =>
    element('input', {
      type: 'checkbox',
      value: estimator,
      checked: options.estimators.includes(estimator),
    }),
  );
  const inputs = CONTROLS.map(({ field }) =>
    element('input', { type: 'number', name: field, step: 'any' }),
  );
  const status = element('div', { className: 'status' });
  const error = element('div', { className: 'error' });
  const buttons = ['start', 'pause', 'step', 'reset'].map((name) =>
    element('button', { type: 'button', textContent: name }),
  );
  const controls = element('div', { className: 'controls' }, [
    element('fieldset', {}, [
      element('legend', { textContent: 'estimators' }),
      ...boxes.map((box) =>
        element('label', { title: box.value }, [
          element('span', { textContent: box.value }, []),
          box,
        ]),
      ),
    ]),
    ...CONTROLS.map(({ field, symbol }, i) =>
      element('label', { title: descriptions.get(field)?.description ?? field }, [
        element('span', { textContent: symbol }),
        inputs[i]!,
      ]),
    ),
    element('div', {}, buttons),
    element('p', { className: 'backend', textContent: `backend: ${backendOf(spec.name)}` }),
    element('p', { className: 'watch', textContent: options.watch }),
    status,
    error,
  ]);
  boxes.forEach((box) => (box.parentElement!.style.color = estimatorColor(box.value)));
  parent.append(
    element('section', { className: 'panel', id: spec.name }, [
      element('h2', { textContent: options.title }),
      element('div', {}, [options.view.canvas]),
      controls,
    ]),
  );

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const send = (request: WorkerRequest) => worker.postMessage(request);
  const paths = new Map<string, IterationPoint[]>();
  const listeners: ((runs: RunStatus[]) => void)[] = [];
  let drawing = false;
  const redraw = () => {
    if (drawing) return;
    drawing = true;
    requestAnimationFrame(() => {
      drawing = false;
      options.view.draw(paths);
    });
  };
  const showStatus = (runs: RunStatus[]) => {
    status.textContent = runs
      .map((r) => {
        const evalLoss = paths
          .get(r.estimator)
          ?.findLast((p) => p.evalLoss !== undefined)?.evalLoss;
        const theta = r.theta.map((t) => Number(t).toFixed(4)).join(', ');
        const loss = evalLoss === undefined ? '' : `  full-run loss ${evalLoss.toPrecision(5)}`;
        return `${r.estimator.padEnd(5)} ${r.iteration}/${r.iterations}  θ = [${theta}]${loss}`;
      })
      .join('\n');
  };

  worker.onmessage = (event: MessageEvent<WorkerReply>) => {
    const reply = event.data;
    if (reply.type === 'error') {
      error.textContent = reply.message;
      return;
    }
    error.textContent = '';
    if (reply.type === 'ready') paths.clear();
    for (const point of reply.points) {
      const path = paths.get(point.estimator) ?? [];
      path.push(point);
      paths.set(point.estimator, path);
    }
    showStatus(reply.runs);
    redraw();
    if (reply.type === 'progress' && !reply.running && reply.runs.every((r) => r.finished))
      for (const listener of listeners) listener(reply.runs);
  };

  // Settings without a control on the page (the outer optimizer), as the test mode gives them.
  let fixed: PlaygroundOverrides = {};
  const formSettings = (): WorkerRequest => {
    const overrides: PlaygroundOverrides = { ...fixed };
    CONTROLS.forEach(({ field }, i) => {
      const value = inputs[i]!.value.trim();
      if (value !== '') overrides[field] = Number(value);
    });
    return {
      type: 'settings',
      task: spec.name,
      estimators: boxes.filter((b) => b.checked).map((b) => b.value),
      overrides,
    };
  };
  // An empty field shows the default each ticked estimator would get from the task.
  const showDefaults = () => {
    const ticked = boxes.filter((b) => b.checked).map((b) => b.value);
    CONTROLS.forEach(({ field }, i) => {
      const defaults = ticked.map(
        (e) => [e, resolvePlaygroundConfig(spec.name, e).settings[field]] as const,
      );
      inputs[i]!.placeholder =
        new Set(defaults.map(([, v]) => v)).size <= 1
          ? String(defaults[0]?.[1] ?? '')
          : defaults.map(([e, v]) => `${e} ${v}`).join(', ');
    });
  };
  const [start, pause, step, reset] = buttons as [
    HTMLButtonElement,
    HTMLButtonElement,
    HTMLButtonElement,
    HTMLButtonElement,
  ];
  start.onclick = () => send({ type: 'start' });
  pause.onclick = () => send({ type: 'pause' });
  step.onclick = () => send({ type: 'step' });
  reset.onclick = () => send({ type: 'reset' });
  // A changed setting starts the runs afresh: θ paths from one start under one set of settings.
  for (const input of [...boxes, ...inputs])
    input.onchange = () => {
      showDefaults();
      send(formSettings());
    };
  showDefaults();
  send(formSettings());

  return {
    task: spec.name,
    configure(estimators, overrides) {
      fixed = Object.fromEntries(
        Object.entries(overrides).filter(([field]) => !CONTROLS.some((c) => c.field === field)),
      );
      boxes.forEach((b) => (b.checked = estimators.includes(b.value)));
      CONTROLS.forEach(({ field }, i) => (inputs[i]!.value = overrides[field]?.toString() ?? ''));
      showDefaults();
      send(formSettings());
    },
    start: () => send({ type: 'start' }),
    onFinished: (listener) => listeners.push(listener),
    image() {
      options.view.draw(paths);
      return options.view.canvas.toDataURL('image/png');
    },
  };
}
