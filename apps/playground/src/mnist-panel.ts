import { MNIST_ASSET } from './mnist-digits.js';
import type { MnistReply, MnistRequest } from './mnist-protocol.js';
import { MNIST_PAGE_OPTIONS, MNIST_PAGE_SETTINGS, type MnistPoint } from './mnist-training.js';
import { scheduleView } from './schedule-view.js';

/** Where a finished MNIST run ended, as the test mode reports it. */
export interface MnistResult {
  backend: string;
  formulation: string;
  iterations: number;
  theta: number[];
  accuracyBefore: number | undefined;
  accuracyAfter: number | undefined;
}

/** The MNIST section, as the test mode drives it. */
export interface MnistPanel {
  configure(settings: { iterations?: number; seed?: number; backend?: string }): void;
  start(): void;
  /** Called each time the run reaches its last iteration. */
  onFinished(listener: (result: MnistResult) => void): void;
  image(): string;
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

const percent = (a: number | undefined) => (a === undefined ? '…' : `${(100 * a).toFixed(1)} %`);

/**
 * PES tuning the learning-rate schedule of momentum SGD on MNIST, in a worker of its own on the
 * fastest tfjs backend this browser starts. The digits load when the section first runs.
 */
export function createMnistPanel(parent: HTMLElement): MnistPanel {
  const view = scheduleView();
  const inputs = {
    seed: element('input', { type: 'number', name: 'seed', step: '1' }),
    iterations: element('input', { type: 'number', name: 'iterations', step: '1', min: '1' }),
  };
  inputs.seed.placeholder = String(MNIST_PAGE_SETTINGS.seed);
  inputs.iterations.placeholder = String(MNIST_PAGE_SETTINGS.iterations);
  const backend = element('p', { className: 'backend', textContent: 'backend: not started yet' });
  const accuracy = element('p', { className: 'accuracy' });
  const status = element('div', { className: 'status' });
  const error = element('div', { className: 'error' });
  const buttons = ['start', 'pause', 'reset'].map((name) =>
    element('button', { type: 'button', textContent: name }),
  );
  const { arch, horizon, batchSize, schedule } = MNIST_PAGE_OPTIONS;
  const { particles, unrollLength, sigma, outerLr } = MNIST_PAGE_SETTINGS;
  parent.append(
    element('section', { className: 'panel', id: 'mnist-lr-schedule' }, [
      element('h2', { textContent: 'MNIST: a learning-rate schedule, tuned on your GPU' }),
      element('div', {}, [view.canvas]),
      element('div', { className: 'controls' }, [
        ...(['seed', 'iterations'] as const).map((field) =>
          element('label', {}, [element('span', { textContent: field }), inputs[field]]),
        ),
        element('div', {}, buttons),
        backend,
        accuracy,
        element('p', {
          className: 'watch',
          textContent:
            `An ${arch} MLP trains for T = ${horizon} steps of momentum SGD (batches of ` +
            `${batchSize} digits) with the learning rate of the ${schedule} schedule; PES ` +
            `(N = ${particles}, K = ${unrollLength}, σ = ${sigma}, Adam ${outerLr}) tunes its ` +
            'θ to lower the training loss summed over the run. The dashed curve is the ' +
            'schedule it starts from: watch the learning rate rise early on, and the validation ' +
            'accuracy of a network trained with the final schedule beat the first one’s.',
        }),
        status,
        error,
      ]),
    ]),
  );

  const worker = new Worker(new URL('./mnist-worker.ts', import.meta.url), { type: 'module' });
  const send = (request: MnistRequest) => worker.postMessage(request);
  let points: MnistPoint[] = [];
  let iterations = MNIST_PAGE_SETTINGS.iterations;
  let started = false;
  let about = { backend: '', formulation: '' };
  let backendChoice: string | undefined;
  const listeners: ((result: MnistResult) => void)[] = [];
  const before = () => points[0]?.valAccuracy;
  const after = () => (points.length > 1 ? points.at(-1)!.valAccuracy : undefined);

  const show = () => {
    const last = points.at(-1);
    accuracy.textContent = last
      ? `validation accuracy: before ${percent(before())}, after ${percent(after())}`
      : '';
    status.textContent = last
      ? `iteration ${last.iteration}/${iterations}  θ = [${last.theta.map((t) => t.toFixed(4)).join(', ')}]` +
        (last.metaLoss === null ? '' : `  meta-loss ${last.metaLoss.toPrecision(5)}`)
      : '';
    view.draw(points);
  };

  worker.onmessage = (event: MessageEvent<MnistReply>) => {
    const reply = event.data;
    switch (reply.type) {
      case 'error':
        error.textContent = reply.message;
        return;
      case 'backend':
        about = { backend: reply.backend, formulation: reply.formulation };
        backend.textContent =
          `backend: tfjs ${reply.backend} (${reply.formulation} formulation), ` +
          `${reply.train} training and ${reply.validation} validation digits`;
        return;
      case 'ready':
        error.textContent = '';
        points = [reply.point];
        iterations = reply.iterations;
        show();
        return;
      case 'progress':
        points.push(reply.point);
        show();
        if (reply.finished)
          for (const listener of listeners)
            listener({
              ...about,
              iterations,
              theta: reply.point.theta,
              accuracyBefore: before(),
              accuracyAfter: after(),
            });
    }
  };

  const number = (input: HTMLInputElement) =>
    input.value.trim() === '' ? undefined : Number(input.value);
  const settings = (): MnistRequest => ({
    type: 'settings',
    digitsUrl: new URL(MNIST_ASSET, document.baseURI).href,
    iterations: number(inputs.iterations),
    seed: number(inputs.seed),
    ...(backendChoice ? { backend: backendChoice } : {}),
  });
  // The digits and the backend load on the first start, not with the page.
  const start = () => {
    if (!started) send(settings());
    started = true;
    send({ type: 'start' });
  };
  const [startButton, pauseButton, resetButton] = buttons as [
    HTMLButtonElement,
    HTMLButtonElement,
    HTMLButtonElement,
  ];
  startButton.onclick = start;
  pauseButton.onclick = () => send({ type: 'pause' });
  resetButton.onclick = () => {
    started = true;
    send(settings());
  };
  for (const input of Object.values(inputs))
    input.onchange = () => {
      if (started) send(settings());
    };

  return {
    configure({ iterations: n, seed, backend: only }) {
      backendChoice = only;
      inputs.iterations.value = n?.toString() ?? '';
      inputs.seed.value = seed?.toString() ?? '';
      started = true;
      send(settings());
    },
    start,
    onFinished: (listener) => listeners.push(listener),
    image() {
      view.draw(points);
      return view.canvas.toDataURL('image/png');
    },
  };
}

/**
 * The MNIST section's test mode: `?mnist-autorun=1&iterations=8&seed=0` trains to the end and
 * writes the result (backend, θ, validation accuracy before and after) into `result` as JSON;
 * `report=PATH` POSTs it to PATH, `image=1` adds the schedule plot as a PNG data URL, and
 * `backend=wasm` (or webgl, cpu) asks for that tfjs backend rather than the fastest.
 */
export function runMnistAutorun(params: URLSearchParams, panel: MnistPanel, result: HTMLElement) {
  if (!params.has('mnist-autorun')) return;
  const number = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined);
  panel.onFinished((finished) => {
    const image = params.get('image') === '1' ? panel.image() : undefined;
    result.textContent = JSON.stringify({ task: 'mnist-lr-schedule', ...finished, image });
    result.hidden = false;
    result.dataset.done = 'true';
    const report = params.get('report');
    if (report) void fetch(report, { method: 'POST', body: result.textContent });
  });
  panel.configure({
    iterations: number('iterations'),
    seed: number('seed'),
    ...(params.has('backend') ? { backend: params.get('backend')! } : {}),
  });
  panel.start();
}
