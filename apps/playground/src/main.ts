import { runAutorun } from './autorun.js';
import { influenceView } from './influence-view.js';
import { createMnistPanel, runMnistAutorun } from './mnist-panel.js';
import { createPanel } from './panel.js';
import { toyView } from './toy-view.js';

const parent = document.getElementById('panels')!;
const panels = [
  await createPanel(parent, {
    task: 'toy-regression',
    title: 'Toy surface: a learning-rate schedule on a rugged meta-loss',
    watch:
      'All runs start at θ = (−4, −4). Truncated ES follows the gradient of short unrolls, whose ' +
      'ripples (the sin² term) stop it; PES accumulates its perturbations across unrolls, sees ' +
      'the smoothed full-horizon loss and crosses the ripples towards the valley, as full-horizon ' +
      'ES does at ten times the inner steps per update.',
    estimators: ['pes', 'tes', 'es'],
    view: toyView(),
  }),
  await createPanel(parent, {
    task: 'influence-balancing',
    title: 'Influence balancing: θ against iterations',
    watch:
      'One step of θ raises the loss’s state, its long-run effect lowers it. With K = 1, truncated ES ' +
      'sees only the first and is biased: it settles away from the dashed optimum θ* = −1/6. PES is ' +
      'unbiased and settles on it.',
    estimators: ['pes', 'tes'],
    view: influenceView(),
  }),
];

const mnist = createMnistPanel(parent);

const params = new URLSearchParams(location.search);
runAutorun(params, panels, document.getElementById('result')!);
runMnistAutorun(params, mnist, document.getElementById('result')!);
