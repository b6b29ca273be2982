import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import { build, type Message, type Metafile, type Plugin } from 'esbuild';
import { build as viteBuild } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

/**
 * Entries of the packages' `exports` maps that may use Node (files, checksums; './tasks' is the
 * command line's task registry, whose tasks read dataset and text files); every other
 * entry must bundle for a browser. A new entry is checked as soon as it is in a package.json.
 */
const NODE_ONLY_ENTRIES = ['./node', './tasks'];

interface Reached {
  /** The module as written: 'node:fs', 'fs', 'worker_threads'. */
  builtin: string;
  /** The file that imports it, relative to the workspace root. */
  importer: string;
  /** esbuild's import kind: import-statement, require-call, dynamic-import. */
  kind: string;
  /** The files from the entry to the importer. */
  chain: string[];
}

/** Every entry (`@pes/core`, `@pes/core/…`) of every package but the Node-only ones. */
function browserEntries(): string[] {
  const packages = join(root, 'packages');
  return readdirSync(packages)
    .sort()
    .flatMap((dir) => {
      const manifest = JSON.parse(readFileSync(join(packages, dir, 'package.json'), 'utf8')) as {
        name: string;
        exports: Record<string, unknown>;
      };
      return Object.keys(manifest.exports)
        .filter((entry) => !NODE_ONLY_ENTRIES.includes(entry))
        .map((entry) => manifest.name + entry.slice(1));
    });
}

const BUILTIN = new RegExp(
  `^(node:.+|${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`,
);
const RESOLVING = Symbol('resolving as a browser would');

/** Files from the entry (esbuild's `<stdin>`) to `file`, following the bundle's imports. */
function importChain(metafile: Metafile, file: string): string[] {
  const parent = new Map<string, string>([['<stdin>', '']]);
  const queue = ['<stdin>'];
  while (queue.length > 0) {
    const at = queue.shift()!;
    if (at === file) break;
    for (const next of metafile.inputs[at]?.imports ?? []) {
      if (next.external || parent.has(next.path)) continue;
      parent.set(next.path, at);
      queue.push(next.path);
    }
  }
  const chain: string[] = [];
  for (let at: string | undefined = file; at; at = parent.get(at)) chain.unshift(at);
  return chain;
}

/**
 * Bundles `source` for the browser (packages read from their TypeScript through the
 * `@pes/source` condition) and lists every Node built-in it reaches. A built-in that a
 * package's `browser` field replaces (tfjs maps fs, util and crypto away) is not reached.
 */
async function nodeBuiltinsReached(source: string): Promise<Reached[]> {
  const found: Omit<Reached, 'chain'>[] = [];
  const plugin: Plugin = {
    name: 'node-builtins-reached',
    setup(bundler) {
      bundler.onResolve({ filter: BUILTIN }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined;
        const resolved = await bundler.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: RESOLVING,
        });
        if (resolved.errors.length === 0) return undefined;
        // The entry itself is esbuild's `<stdin>`; files are absolute paths.
        const importer = isAbsolute(args.importer) ? relative(root, args.importer) : args.importer;
        found.push({ builtin: args.path, importer, kind: args.kind });
        // Keep bundling, to list every one.
        return { path: args.path, external: true };
      });
    },
  };
  const { metafile } = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'esm',
    conditions: ['@pes/source'],
    logLevel: 'silent',
    plugins: [plugin],
  });
  return found.map((r) => ({ ...r, chain: importChain(metafile, r.importer) }));
}

function describeReached(r: Reached): string {
  return `${r.builtin} (${r.kind}) imported by ${r.importer}, reached through ${r.chain.join(' → ')}`;
}

describe('the bundle check', () => {
  it('names each Node built-in, the file importing it and the path from the entry', async () => {
    const reached = await nodeBuiltinsReached(
      `import { readFileSync } from 'node:fs';
       export const read = () => readFileSync;
       export const os = () => import('os');`,
    );
    expect(reached).toEqual([
      { builtin: 'node:fs', importer: '<stdin>', kind: 'import-statement', chain: ['<stdin>'] },
      { builtin: 'os', importer: '<stdin>', kind: 'dynamic-import', chain: ['<stdin>'] },
    ]);
  });
});

describe('browser entries', () => {
  const entries = browserEntries();
  const reached = new Map<string, Reached[]>();

  beforeAll(async () => {
    for (const entry of entries)
      reached.set(entry, await nodeBuiltinsReached(`export * from '${entry}';`));
  }, 300_000);

  it('are every package entry but the Node-only ones', () => {
    expect(entries).toEqual(
      expect.arrayContaining(['@pes/core', '@pes/hpo', '@pes/inner-problems', '@pes/learned-opt']),
    );
    expect(entries.filter((e) => e.endsWith('/node'))).toEqual([]);
  });

  it.each(entries)('%s bundles for the browser without a Node built-in', (entry) => {
    expect(reached.get(entry)!.map(describeReached)).toEqual([]);
  });

  // As a user's bundler sees them: the built dist/ through the packages' exports, no plugins,
  // no conditions. Every error and every warning fails.
  it.each(entries)('%s bundles with plain esbuild, without an error or warning', async (entry) => {
    const result = await build({
      stdin: { contents: `export * from '${entry}';`, resolveDir: root },
      absWorkingDir: root,
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    }).catch((error: { errors?: Message[]; warnings?: Message[] }) => ({
      errors: error.errors ?? [],
      warnings: error.warnings ?? [],
    }));
    const messages = [...result.errors, ...result.warnings].map((m) => m.text);
    expect(messages).toEqual([]);
  });

  it.each(entries)(
    '%s bundles with Vite for the browser',
    async (entry) => {
      const external: string[] = [];
      // Inside the workspace, so that the entry resolves @pes/… as an app in it would.
      const cache = join(root, 'node_modules/.cache');
      mkdirSync(cache, { recursive: true });
      const dir = mkdtempSync(join(cache, 'pes-vite-'));
      let bundled = 0;
      try {
        writeFileSync(join(dir, 'entry.js'), `export * from '${entry}';\n`);
        const result = await viteBuild({
          root: dir,
          configFile: false,
          logLevel: 'silent',
          build: {
            write: false,
            minify: false,
            lib: { entry: join(dir, 'entry.js'), formats: ['es'], fileName: 'entry' },
          },
        });
        for (const output of [result].flat())
          if ('output' in output)
            for (const chunk of output.output) {
              bundled += 'code' in chunk ? chunk.code.length : 0;
              // Vite stands an empty module, named so, in for each Node built-in it meets.
              if (chunk.fileName.startsWith('__vite-browser-external'))
                external.push(chunk.fileName);
            }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(bundled).toBeGreaterThan(10_000);
      expect(external).toEqual([]);
    },
    120_000,
  );
});
