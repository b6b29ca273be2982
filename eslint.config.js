import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The packages from the bottom up: a package imports only packages of a lower layer, and no
 * package imports an app. @pes/cluster (the Redis coordinator and worker) stands on @pes/core
 * alone: it imports neither the task packages nor the app, which gives its worker the factory
 * that builds tasks. @pes/runner (a run on Node) stands on all of them, and @pes/experiments
 * (the paper's comparisons, the learned optimizer's evaluation) on the runner.
 */
const LAYERS = [
  ['core'],
  ['inner-problems', 'cluster'],
  ['hpo', 'learned-opt'],
  ['runner'],
  ['experiments'],
];

/**
 * Packages whose every file runs under Node alone (their one entry is `./node`, which
 * browser-bundle.test.ts leaves out).
 */
const NODE_ONLY_PACKAGES = ['cluster', 'runner', 'experiments'];

/**
 * Node-only files, by convention: everything under a package's src/node/, its `./node` entry
 * (src/node/index.ts) included (all of src/ in a Node-only package). Every other file of a
 * package's src/ must run in a browser.
 */
const nodeOnlyFiles = (pkg) =>
  NODE_ONLY_PACKAGES.includes(pkg) ? [`packages/${pkg}/src/**`] : [`packages/${pkg}/src/node/**`];

/**
 * Another package is reached through its entries (its package.json `exports`), never through
 * its files: no `@pes/x/src/…` or `@pes/x/dist/…`, no relative path into packages/ or apps/.
 */
const entriesOnly = [
  {
    regex: '^@pes/[^/]+/(src|dist)(/|$)',
    message: 'Import a package by its entries (its package.json exports), not its src/ or dist/.',
  },
  {
    regex: '^(\\.\\./)+(packages|apps)/[^/]+/(src|dist)/',
    message: 'Import a package by its entries (@pes/…), not by a path into its files.',
  },
];

const layering = (pkg, layer) => ({
  group: [
    ...LAYERS.slice(layer)
      .flat()
      .filter((other) => other !== pkg)
      .flatMap((other) => [`@pes/${other}`, `@pes/${other}/*`]),
    '@pes/meta-train',
    '@pes/meta-train/*',
  ],
  message: `@pes/${pkg} imports only packages below it (${LAYERS.slice(0, layer).flat().join(', ') || 'none'}) and no app.`,
});

const browserSafe = {
  paths: builtinModules.map((name) => ({
    name,
    message: 'Node built-in: browser-safe code cannot import it; move this to src/node/.',
  })),
  patterns: [
    {
      regex: '^node:',
      message: 'Node built-in: browser-safe code cannot import it; move this to src/node/.',
    },
    {
      regex: '(^|/)node(\\.js)?$|(^|/)node/',
      message: "Node-only entry or file: browser-safe code cannot import '…/node' or src/node/.",
    },
  ],
};

/**
 * Elementary functions that each JavaScript engine rounds its own way (Chromium and Node 20
 * disagree in the last bit of all but `sqrt`; Node 24 and 20 on `pow`). A number that can reach
 * θ takes them from @pes/core's elementary.ts instead, so that a seed gives the same θ in every
 * engine. A value that cannot reach θ (a plot, a timing) may use them, behind
 * `// eslint-disable-next-line no-restricted-properties -- <why it cannot reach θ>`.
 */
const ENGINE_DEPENDENT_MATH = [
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'log10',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'atan2',
  'sinh',
  'cosh',
  'tanh',
  'asinh',
  'acosh',
  'atanh',
  'pow',
  'cbrt',
  'hypot',
];
const engineIndependentMath = {
  files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
  rules: {
    'no-restricted-properties': [
      'error',
      ...ENGINE_DEPENDENT_MATH.map((property) => ({
        object: 'Math',
        property,
        message: `Math.${property} rounds differently in each JavaScript engine: where the value can reach θ, use @pes/core's elementary functions (elementary.ts).`,
      })),
    ],
  },
};

/** `**` of two integer literals (2 ** 31) is exact everywhere; any other is `Math.pow`. */
const ENGINE_DEPENDENT_POWER = [
  {
    selector:
      "BinaryExpression[operator='**']:not([left.type='Literal'][right.type='Literal']), AssignmentExpression[operator='**=']",
    message:
      '`**` rounds differently in each JavaScript engine: use x * x, or pow from @pes/core (elementary.ts).',
  },
];

/** Module boundaries, one pair of blocks per package (a later block replaces a rule's options). */
const boundaries = LAYERS.flatMap((layer, index) =>
  layer.flatMap((pkg) => [
    {
      files: [`packages/${pkg}/**/*.ts`],
      rules: {
        'no-restricted-imports': ['error', { patterns: [layering(pkg, index), ...entriesOnly] }],
      },
    },
    {
      files: [`packages/${pkg}/src/**/*.ts`],
      ignores: nodeOnlyFiles(pkg),
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: browserSafe.paths,
            patterns: [layering(pkg, index), ...entriesOnly, ...browserSafe.patterns],
          },
        ],
        'no-restricted-globals': [
          'error',
          ...['Buffer', 'process', 'global', 'require', '__dirname', '__filename'].map((name) => ({
            name,
            message: `${name} exists only in Node: browser-safe code cannot use it; move this to src/node/.`,
          })),
          ...['setImmediate', 'clearImmediate'].map((name) => ({
            name,
            message: `${name} exists only in Node; read it through globalThis where it may be missing (see @pes/core event-loop.ts).`,
          })),
        ],
      },
    },
  ]),
);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.nx/**', 'reports/**', 'runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'Libraries draw randomness from keys (@pes/core random.ts), never Math.random.',
        },
        {
          selector: 'ExportDefaultDeclaration',
          message: 'Export by name: each package lists its exports in index.ts.',
        },
      ],
    },
  },
  {
    files: engineIndependentMath.files,
    rules: {
      ...engineIndependentMath.rules,
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'Libraries draw randomness from keys (@pes/core random.ts), never Math.random.',
        },
        {
          selector: 'ExportDefaultDeclaration',
          message: 'Export by name: each package lists its exports in index.ts.',
        },
        ...ENGINE_DEPENDENT_POWER,
      ],
    },
  },
  ...boundaries,
  // The apps use the packages through their entries only (@pes/cluster/node, not its files).
  {
    files: ['apps/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: entriesOnly }] },
  },
  {
    files: ['**/vitest.config.ts', '**/global-setup.ts', 'eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  prettier,
);
