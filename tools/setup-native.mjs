#!/usr/bin/env node
// `npm run setup:native [-- --gpu] [-- --rebuild]`: gives the workspace TensorFlow's native kernels
// through @tensorflow/tfjs-node 4.22.0 (or -gpu with --gpu) without the libtensorflow download that
// tfjs-node's own install script wants (it lies outside the npm registry). Instead it takes the
// TensorFlow C library and headers out of TensorFlow's PyPI wheel (pip), builds tfjs-node's binding
// against them with npm's own node-gyp, and puts the package into the root node_modules, where
// @pes/runner's `import('@tensorflow/tfjs-node')` (the backend choice) finds it beside the workspace's one
// @tensorflow/tfjs. Everything it downloads or builds is kept in a cache
// (${XDG_CACHE_HOME:-~/.cache}/pes/native, or PES_NATIVE_CACHE), so a second run, and a run after
// `npm ci` has wiped node_modules, takes seconds. It ends by checking itself in a child Node process.
// See docs/native-backend.md.
//
// Exit status: 0 done; 2 a missing prerequisite, an unsupported platform, too little disk or a
// failed download (one line on stderr); 1 a failed build or verification (one line, log named).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const TFJS_NODE_VERSION = '4.22.0';
const TF_VERSION = '2.21.0';
const NAPI_VERSION = 8; // the highest tfjs-node 4.22.0 lists; node-pre-gyp looks in lib/napi-v8
// The wheel's tags are pinned, so every machine gets the same file whatever its own Python is; we
// use only the wheel's C library, never its Python.
const WHEEL_PYTHON = { version: '3.11', abi: 'cp311', glibc: 27 };
// What tfjs-node's dist requires at import time, beside @tensorflow/tfjs(-core), which must stay
// the workspace's: node-pre-gyp finds the binding, google-protobuf backs tensorboard's protos and
// progress the fit callbacks' bar. The rest of its dependencies serve only its install script.
const RUNTIME_DEPS = {
  '@mapbox/node-pre-gyp': '1.0.9',
  'google-protobuf': '3.21.4',
  progress: '2.0.3',
};
const FLAVOURS = {
  cpu: { pip: 'tensorflow-cpu', npm: '@tensorflow/tfjs-node', needGB: 1.5, wheelMB: 270 },
  // The `tensorflow` wheel is the CUDA 12 build; its `and-cuda` extra names the nvidia-*-cu12
  // wheels, which TensorFlow finds through its RUNPATH ($ORIGIN/../nvidia/<lib>/lib): we put them in
  // deps/nvidia beside deps/lib.
  gpu: { pip: 'tensorflow', npm: '@tensorflow/tfjs-node-gpu', needGB: 9, wheelMB: 650, cuda: true },
};

const NAME = 'setup:native';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The package that imports tfjs-node (its backend choice): the check runs from there.
const APP_DIR = path.join(ROOT, 'packages', 'runner');
const started = performance.now();
// Folders being filled before their rename into place: removed if the run stops on an error.
const scratch = new Set();
const scratchDir = (p) => (scratch.add(p), fs.rmSync(p, { recursive: true, force: true }), p);

class SetupError extends Error {
  constructor(message, code = 2) {
    super(message);
    this.code = code;
  }
}
const fail = (message, code) => {
  throw new SetupError(message, code);
};
const say = (message) => console.log(`${NAME}: ${message}`);
const seconds = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

function usage() {
  console.log(`usage: npm run setup:native [-- --gpu] [-- --rebuild]
  --gpu      tfjs-node-gpu over the \`tensorflow\` wheel (CUDA 12) and its nvidia-*-cu12 wheels
  --rebuild  build the binding again (the downloaded wheel and npm tarballs are reused)
cache: ${cacheRoot()} (PES_NATIVE_CACHE overrides)`);
}

function cacheRoot() {
  if (process.env.PES_NATIVE_CACHE) return path.resolve(process.env.PES_NATIVE_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'pes', 'native');
}

/** Runs a command, capturing its output; its whole output goes to `log` when given. */
function run(command, args, { cwd, env, log } = {}) {
  const r = spawnSync(command, args, {
    cwd,
    env: env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (log) {
    fs.mkdirSync(path.dirname(log), { recursive: true });
    fs.writeFileSync(log, `$ ${command} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  return { ok: !r.error && r.status === 0, ...r };
}

/** The line of a tool's output that says what went wrong. */
function gist(r) {
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (
    lines.find(
      (l) => /^(ERROR|npm error|npm ERR!|gyp ERR!|error)/i.test(l) && !/Retrying/.test(l),
    ) ??
    lines.at(-1) ??
    r.error?.message ??
    `exit status ${r.status}`
  );
}

function checkPlatform() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(
      `only linux x64 is supported (TensorFlow's wheels used here are manylinux x86_64 builds); this is ${process.platform} ${process.arch}`,
    );
  }
  const glibc = process.report.getReport().header.glibcVersionRuntime;
  const minor = glibc ? Number(glibc.split('.')[1]) : 0;
  if (!glibc || minor < WHEEL_PYTHON.glibc) {
    fail(
      `TensorFlow ${TF_VERSION}'s wheel needs glibc 2.${WHEEL_PYTHON.glibc} or newer; this system has ${glibc ?? 'no glibc'}`,
    );
  }
  return minor;
}

function checkWorkspaceTfjs() {
  const tfjs = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs', 'package.json');
  if (!fs.existsSync(tfjs))
    fail('the workspace has no node_modules/@tensorflow/tfjs: run npm ci first');
  const version = JSON.parse(fs.readFileSync(tfjs, 'utf8')).version;
  if (version !== TFJS_NODE_VERSION) {
    fail(
      `tfjs-node ${TFJS_NODE_VERSION} needs @tensorflow/tfjs ${TFJS_NODE_VERSION}, but the workspace has ${version}`,
    );
  }
  for (const nested of [
    'packages/runner/node_modules/@tensorflow/tfjs',
    'packages/runner/node_modules/@tensorflow/tfjs-core',
    'apps/meta-train/node_modules/@tensorflow/tfjs',
    'apps/meta-train/node_modules/@tensorflow/tfjs-core',
  ]) {
    if (fs.existsSync(path.join(ROOT, nested)))
      fail(`${nested} exists: tfjs-node would register with another tfjs than the workspace's`);
  }
}

function checkPython() {
  if (!run('python3', ['--version']).ok)
    fail('python3 is not installed (it runs pip, which fetches the TensorFlow wheel)');
  if (!run('python3', ['-m', 'pip', '--version']).ok)
    fail('pip is not installed for python3 (python3 -m pip fails); install python3-pip');
}

function checkBuildTools() {
  const cxx = process.env.CXX || 'g++';
  if (!run(cxx, ['--version']).ok)
    fail(`no C++ compiler (${cxx}) found; install g++ (Debian: apt-get install g++)`);
  if (!run('make', ['--version']).ok)
    fail('make is not installed; install it (Debian: apt-get install make)');
  const nodeDir = path.resolve(path.dirname(process.execPath), '..');
  if (!fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) {
    fail(
      `Node's headers are not under ${nodeDir}/include/node (node-gyp would download them from outside the npm registry)`,
    );
  }
  const npmCli =
    process.env.npm_execpath && path.basename(process.env.npm_execpath).startsWith('npm')
      ? process.env.npm_execpath
      : undefined;
  const candidates = [
    npmCli &&
      path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(
      nodeDir,
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ].filter(Boolean);
  const nodeGyp = candidates.find((c) => fs.existsSync(c));
  if (!nodeGyp) fail(`npm's bundled node-gyp was not found (looked in ${candidates.join(', ')})`);
  return { nodeDir, nodeGyp };
}

function freeBytes(dir) {
  let d = dir;
  while (!fs.existsSync(d)) d = path.dirname(d);
  const s = fs.statfsSync(d);
  return s.bavail * s.bsize;
}

function checkDisk(dir, needGB, what) {
  const free = freeBytes(dir);
  if (free < needGB * 1e9) {
    fail(
      `not enough free disk space for ${what}: ${(free / 1e9).toFixed(1)} GB free under ${dir}, about ${needGB} GB needed`,
    );
  }
}

function manylinuxPlatforms(glibcMinor) {
  const platforms = [];
  for (let m = Math.max(glibcMinor, WHEEL_PYTHON.glibc); m >= 5; m--)
    platforms.push(`manylinux_2_${m}_x86_64`);
  platforms.push('manylinux2014_x86_64', 'manylinux2010_x86_64', 'manylinux1_x86_64');
  return platforms.flatMap((p) => ['--platform', p]);
}

function pipDownload(specs, dest, glibcMinor, logs, what) {
  fs.mkdirSync(dest, { recursive: true });
  const args = [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--no-cache-dir',
    '--progress-bar',
    'off',
    '--only-binary=:all:',
    '--implementation',
    'cp',
    '--python-version',
    WHEEL_PYTHON.version,
    '--abi',
    WHEEL_PYTHON.abi,
    ...manylinuxPlatforms(glibcMinor),
    '-d',
    dest,
    ...specs,
  ];
  const log = path.join(logs, `pip-${what}.log`);
  const r = run('python3', args, { log });
  if (!r.ok) fail(`pip could not download ${specs.join(' ')}: ${gist(r)} (log: ${log})`);
}

// Extracts the members under the given prefixes of a wheel (a zip) with Python's zipfile: no unzip
// needed, and no member is written outside dest.
const EXTRACT_PY = `
import sys, zipfile, os
whl, dest, *prefixes = sys.argv[1:]
with zipfile.ZipFile(whl) as z:
    for info in z.infolist():
        n = info.filename
        if n.endswith('/') or '..' in n.split('/') or not any(n.startswith(p) for p in prefixes):
            continue
        z.extract(info, dest)
`;
function extract(wheel, dest, prefixes, logs) {
  const log = path.join(logs, `extract-${path.basename(wheel)}.log`);
  const r = run('python3', ['-c', EXTRACT_PY, wheel, dest, ...prefixes], { log });
  if (!r.ok) fail(`could not extract ${path.basename(wheel)}: ${gist(r)} (log: ${log})`, 1);
}

function wheelMetadata(wheel) {
  const py = `import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode())`;
  const r = run('python3', ['-c', py, wheel]);
  if (!r.ok) fail(`could not read ${path.basename(wheel)}'s metadata: ${gist(r)}`, 1);
  return r.stdout;
}

/** The nvidia-*-cu12 requirements of the wheel's `and-cuda` extra, with TensorFlow's own bounds. */
function cudaRequirements(wheel) {
  return wheelMetadata(wheel)
    .split('\n')
    .filter((l) => l.startsWith('Requires-Dist:') && /extra\s*==\s*"and-cuda"/.test(l))
    .map((l) => l.slice('Requires-Dist:'.length).split(';')[0].replace(/\s+/g, ''));
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The TensorFlow C library (lib/), its headers (include/) and, for --gpu, nvidia/: from the wheel. */
function ensureTensorFlow(flavour, cache, glibcMinor, logs) {
  const key = `${flavour.pip}-${TF_VERSION}-${WHEEL_PYTHON.abi}-linux_x86_64`;
  const dir = path.join(cache, 'tf', key);
  const manifest = readJson(path.join(dir, 'manifest.json'));
  if (manifest && fs.existsSync(path.join(dir, 'lib', 'libtensorflow_cc.so.2')))
    return { dir, manifest };

  checkPython();
  const wheels = path.join(cache, 'wheels', key);
  const findWheel = () =>
    fs.existsSync(wheels)
      ? fs
          .readdirSync(wheels)
          .find(
            (f) =>
              f.startsWith(`${flavour.pip.replace(/-/g, '_')}-${TF_VERSION}-`) &&
              f.endsWith('.whl'),
          )
      : undefined;
  let t0 = performance.now();
  const download = !findWheel();
  if (download) {
    checkDisk(cache, flavour.needGB, `the ${flavour.pip} wheel and its extraction`);
    say(`downloading ${flavour.pip}==${TF_VERSION} with pip (about ${flavour.wheelMB} MB)…`);
    pipDownload([`${flavour.pip}==${TF_VERSION}`], wheels, glibcMinor, logs, flavour.pip);
  } else {
    checkDisk(cache, flavour.cuda ? 6 : 1.2, `extracting the ${flavour.pip} wheel`);
  }
  const wheel = path.join(wheels, findWheel());
  let cuda = [];
  if (flavour.cuda) {
    const requirements = cudaRequirements(wheel);
    if (requirements.length === 0)
      fail(`${path.basename(wheel)} names no and-cuda requirements`, 1);
    say(`downloading the CUDA wheels TensorFlow names: ${requirements.join(' ')}…`);
    const cudaDir = path.join(wheels, 'cuda');
    pipDownload(requirements, cudaDir, glibcMinor, logs, 'cuda');
    cuda = fs
      .readdirSync(cudaDir)
      .filter((f) => f.endsWith('.whl'))
      .map((f) => path.join(cudaDir, f));
  }
  if (download || flavour.cuda) say(`downloaded in ${seconds(t0)}; extracting…`);
  t0 = performance.now();

  const partial = scratchDir(`${dir}.partial-${process.pid}`);
  const raw = path.join(partial, 'raw');
  extract(
    wheel,
    raw,
    [
      'tensorflow/libtensorflow_cc.so.2',
      'tensorflow/libtensorflow_framework.so.2',
      'tensorflow/include/tensorflow/',
      'tensorflow/include/tsl/',
      'tensorflow/include/xla/',
    ],
    logs,
  );
  fs.mkdirSync(path.join(partial, 'lib'));
  for (const so of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    fs.renameSync(path.join(raw, 'tensorflow', so), path.join(partial, 'lib', so));
  }
  fs.renameSync(path.join(raw, 'tensorflow', 'include'), path.join(partial, 'include'));
  for (const w of cuda) extract(w, partial, ['nvidia/'], logs);
  fs.rmSync(raw, { recursive: true, force: true });
  const m = {
    wheel: path.basename(wheel),
    cuda: cuda.map((w) => path.basename(w)),
  };
  fs.writeFileSync(path.join(partial, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  say(`extracted libtensorflow ${TF_VERSION} and its headers in ${seconds(t0)}`);
  return { dir, manifest: m };
}

function npmPack(spec, dest, logs) {
  fs.mkdirSync(dest, { recursive: true });
  const file = `${spec.replace(/^@/, '').replace('/', '-').replace(/@/, '-')}.tgz`;
  if (fs.existsSync(path.join(dest, file))) return path.join(dest, file);
  const log = path.join(logs, `npm-pack-${file}.log`);
  const r = run(
    'npm',
    ['pack', spec, '--pack-destination', dest, '--loglevel=error', '--no-fund', '--no-audit'],
    { log },
  );
  if (!r.ok || !fs.existsSync(path.join(dest, file)))
    fail(`npm could not fetch ${spec}: ${gist(r)} (log: ${log})`);
  return path.join(dest, file);
}

/** Builds the package (binding, runtime dependencies, deps/lib links) into the cache. */
function buildPackage(flavour, tf, pkgDir, cache, logs) {
  const { nodeDir, nodeGyp } = checkBuildTools();
  const t0 = performance.now();
  const tarball = npmPack(`${flavour.npm}@${TFJS_NODE_VERSION}`, path.join(cache, 'npm'), logs);
  const partial = scratchDir(`${pkgDir}.partial-${process.pid}`);
  fs.mkdirSync(partial, { recursive: true });
  const untar = run('tar', ['xzf', tarball, '-C', partial, '--strip-components=1']);
  if (!untar.ok) fail(`could not unpack ${tarball}: ${gist(untar)}`, 1);

  // deps/ as binding.gyp expects it: headers, and libtensorflow.so / libtensorflow_framework.so for
  // -l; the binding then records the libraries' sonames (libtensorflow_cc.so.2, …) and the RUNPATH
  // $ORIGIN/../../deps/lib, so they are found beside it without LD_LIBRARY_PATH.
  const deps = path.join(partial, 'deps');
  fs.mkdirSync(path.join(deps, 'lib'), { recursive: true });
  fs.symlinkSync(path.join(tf.dir, 'include'), path.join(deps, 'include'));
  for (const so of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    fs.symlinkSync(path.join(tf.dir, 'lib', so), path.join(deps, 'lib', so));
  }
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(deps, 'lib', 'libtensorflow.so'));
  fs.symlinkSync(
    'libtensorflow_framework.so.2',
    path.join(deps, 'lib', 'libtensorflow_framework.so'),
  );
  if (flavour.cuda) fs.symlinkSync(path.join(tf.dir, 'nvidia'), path.join(deps, 'nvidia'));

  say(`building ${flavour.npm}'s binding against it with node-gyp (about a minute)…`);
  const log = path.join(logs, `node-gyp-${path.basename(pkgDir)}.log`);
  const gyp = run(
    process.execPath,
    [
      nodeGyp,
      'rebuild',
      `--nodedir=${nodeDir}`,
      '--module_name=tfjs_binding',
      `--module_path=${path.join(partial, 'lib', `napi-v${NAPI_VERSION}`)}`,
      `--napi_build_version=${NAPI_VERSION}`,
    ],
    { cwd: partial, log },
  );
  const binding = path.join(partial, 'lib', `napi-v${NAPI_VERSION}`, 'tfjs_binding.node');
  if (!gyp.ok || !fs.existsSync(binding))
    fail(`building the binding failed: ${gist(gyp)} (log: ${log})`, 1);
  fs.rmSync(path.join(partial, 'build'), { recursive: true, force: true });
  fs.unlinkSync(path.join(deps, 'lib', 'libtensorflow.so'));
  fs.unlinkSync(path.join(deps, 'lib', 'libtensorflow_framework.so'));
  fs.unlinkSync(path.join(deps, 'include'));

  // Its runtime dependencies, nested in its own node_modules (never a second @tensorflow/tfjs).
  const staging = scratchDir(path.join(cache, 'npm', `runtime-deps-${process.pid}`));
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(
    path.join(staging, 'package.json'),
    JSON.stringify({ private: true, dependencies: RUNTIME_DEPS }),
  );
  const depsLog = path.join(logs, 'npm-install-runtime-deps.log');
  const inst = run(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--loglevel=error',
    ],
    { cwd: staging, log: depsLog },
  );
  if (!inst.ok)
    fail(`npm could not install tfjs-node's runtime dependencies: ${gist(inst)} (log: ${depsLog})`);
  fs.rmSync(path.join(staging, 'node_modules', '.package-lock.json'), { force: true });
  fs.rmSync(path.join(staging, 'node_modules', '.bin'), { recursive: true, force: true });
  fs.renameSync(path.join(staging, 'node_modules'), path.join(partial, 'node_modules'));
  fs.rmSync(staging, { recursive: true, force: true });

  const marker = {
    key: path.basename(pkgDir),
    tensorflow: tf.manifest,
    runtimeDeps: RUNTIME_DEPS,
    builtAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(partial, '.pes-native.json'), `${JSON.stringify(marker, null, 2)}\n`);
  fs.rmSync(pkgDir, { recursive: true, force: true });
  fs.renameSync(partial, pkgDir);
  say(`built the binding in ${seconds(t0)}`);
}

/** Copies a tree, following symlinks; files of a megabyte or more are hard-linked when possible. */
function copyTree(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const entry of fs.readdirSync(src)) {
    const from = path.join(src, entry);
    const to = path.join(dst, entry);
    const st = fs.statSync(from);
    if (st.isDirectory()) copyTree(from, to);
    else if (st.size >= 1 << 20) {
      try {
        fs.linkSync(fs.realpathSync(from), to);
      } catch {
        fs.copyFileSync(from, to);
      }
    } else fs.copyFileSync(from, to);
  }
}

function install(flavour, pkgDir) {
  const target = path.join(ROOT, 'node_modules', ...flavour.npm.split('/'));
  const wanted = readJson(path.join(pkgDir, '.pes-native.json'));
  const present = readJson(path.join(target, '.pes-native.json'));
  const binding = path.join(target, 'lib', `napi-v${NAPI_VERSION}`, 'tfjs_binding.node');
  if (present?.key === wanted.key && present.builtAt === wanted.builtAt && fs.existsSync(binding)) {
    return { target, fresh: false };
  }
  if (fs.existsSync(target) && !present) say(`replacing the ${flavour.npm} found in node_modules`);
  const libs = path.join(pkgDir, 'deps');
  if (
    fs.statSync(path.dirname(path.dirname(target))).dev !==
    fs.statSync(fs.realpathSync(path.join(libs, 'lib', 'libtensorflow_cc.so.2'))).dev
  ) {
    checkDisk(target, flavour.cuda ? 6 : 1, `copying libtensorflow into node_modules`);
  }
  const partial = scratchDir(
    path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`),
  );
  copyTree(pkgDir, partial);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(partial, target);
  return { target, fresh: true };
}

/** Every library the binding needs resolves, libtensorflow's from deps/lib, without LD_LIBRARY_PATH. */
function checkLinkage(target) {
  const binding = path.join(target, 'lib', `napi-v${NAPI_VERSION}`, 'tfjs_binding.node');
  const env = { ...process.env };
  delete env.LD_LIBRARY_PATH;
  const r = run('ldd', [binding], { env });
  if (!r.ok) return say('ldd not available: linkage not checked');
  const missing = r.stdout.split('\n').filter((l) => l.includes('not found'));
  if (missing.length)
    fail(`the binding's libraries are not found: ${missing.map((l) => l.trim()).join('; ')}`, 1);
  const lib = path.join(target, 'deps', 'lib');
  for (const so of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    const line = r.stdout.split('\n').find((l) => l.trim().startsWith(so));
    const resolved = line?.match(/=> (\S+)/)?.[1];
    if (!resolved || path.resolve(resolved) !== path.join(lib, so))
      fail(`ldd does not resolve ${so} to ${lib}: ${line?.trim() ?? 'not needed?'}`, 1);
  }
  say(
    `ldd: libtensorflow_cc.so.2 and libtensorflow_framework.so.2 resolve to deps/lib through the binding's RUNPATH`,
  );
}

/** TensorFlow's CUDA build finds the nvidia-* wheels' libraries through its own RUNPATH. */
function checkCudaRunpath(target) {
  const names = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
  const runpaths = names.map((so) => {
    const r = run('readelf', ['-d', path.join(target, 'deps', 'lib', so)]);
    return r.ok ? (r.stdout.match(/RUNPATH\)\s+Library runpath: \[(.*)\]/)?.[1] ?? '') : undefined;
  });
  if (runpaths.includes(undefined))
    return say("readelf not available: the CUDA libraries' RUNPATH not checked");
  if (runpaths.some((r) => r.includes('$ORIGIN/../nvidia/'))) {
    return say(
      "libtensorflow's RUNPATH names $ORIGIN/../nvidia/…/lib: the CUDA wheels' libraries are in deps/nvidia",
    );
  }
  say(
    `warning: libtensorflow's RUNPATH does not name $ORIGIN/../nvidia/…/lib, so TensorFlow may not find the CUDA libraries in ${path.join(target, 'deps', 'nvidia')}/*/lib; add them to LD_LIBRARY_PATH if it reports no GPU`,
  );
}

// Runs in a child Node process from packages/runner, as @pes/runner imports it.
const VERIFY_JS = `
import { createRequire } from 'node:module';
const name = process.env.PES_NATIVE_MODULE;
const tf = (await import(name)).default;
await import('@tensorflow/tfjs-backend-wasm');
const appRequire = createRequire(process.cwd() + '/package.json');
const nodeRequire = createRequire(appRequire.resolve(name));
const shared = appRequire.resolve('@tensorflow/tfjs') === nodeRequire.resolve('@tensorflow/tfjs');
await tf.ready();
const backend = tf.getBackend();
const n = 64;
const a = tf.randomUniform([n, n], -1, 1, 'float32', 1).dataSync();
const b = tf.randomUniform([n, n], -1, 1, 'float32', 2).dataSync();
const native = tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])).dataSync();
if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
const wasm = tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])).dataSync();
// |native - wasm| against the dot products' own scale, sum_k |a_ik| |b_kj|.
let rel = 0;
for (let i = 0; i < n; i++)
  for (let j = 0; j < n; j++) {
    let scale = 0;
    for (let k = 0; k < n; k++) scale += Math.abs(a[i * n + k] * b[k * n + j]);
    rel = Math.max(rel, Math.abs(native[i * n + j] - wasm[i * n + j]) / scale);
  }
const binding = tf.findBackend('tensorflow').binding;
console.log(JSON.stringify({ backend, rel, shared, tf: binding.TF_Version, tfjsNode: tf.version['tfjs-node'] }));
`;

function verify(flavour) {
  const env = { ...process.env, PES_NATIVE_MODULE: flavour.npm };
  delete env.LD_LIBRARY_PATH;
  // TensorFlow logs device creation at INFO level: for --gpu, look for a GPU in it; TF32 is turned
  // off so that the GPU's matMul can meet the same tolerance.
  if (flavour.cuda) Object.assign(env, { TF_CPP_MIN_LOG_LEVEL: '0', NVIDIA_TF32_OVERRIDE: '0' });
  else env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const r = run(process.execPath, ['--input-type=module', '-e', VERIFY_JS], { cwd: APP_DIR, env });
  const line = r.stdout?.trim().split('\n').at(-1);
  let out;
  try {
    out = JSON.parse(line);
  } catch {
    fail(`verification failed: ${gist(r)}`, 1);
  }
  const tolerance = 1e-5;
  const ok = out.backend === 'tensorflow' && out.rel <= tolerance && out.shared;
  const gpu = flavour.cuda
    ? /device:GPU:\d/.test(r.stderr)
      ? '; TensorFlow created a GPU device'
      : '; no GPU device: TensorFlow ran on the CPU'
    : '';
  const text =
    `${ok ? 'verified' : 'verification FAILED'}: ${flavour.npm} ${out.tfjsNode} on backend "${out.backend}", TensorFlow ${out.tf} (binding's TF_Version); ` +
    `64×64 matMul vs wasm: max relative error ${out.rel.toExponential(1)} (tolerance 1e-5); ` +
    `@tensorflow/tfjs ${out.shared ? 'shared with' : 'NOT shared with'} @pes/runner${gpu}`;
  if (!ok) fail(text, 1);
  say(text);
}

function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) return usage();
  const unknown = argv.filter((a) => !['--gpu', '--rebuild'].includes(a));
  if (unknown.length) fail(`unknown option ${unknown.join(' ')} (see --help)`);
  const flavour = FLAVOURS[argv.includes('--gpu') ? 'gpu' : 'cpu'];

  const glibcMinor = checkPlatform();
  checkWorkspaceTfjs();
  const cache = cacheRoot();
  const logs = path.join(cache, 'logs');
  const pkgKey = `${flavour.npm.split('/')[1]}-${TFJS_NODE_VERSION}+${flavour.pip}-${TF_VERSION}-node-abi${process.versions.modules}-napi${NAPI_VERSION}-linux-x64`;
  const pkgDir = path.join(cache, 'pkg', pkgKey);

  // Ready: built, and the libraries its deps/lib links to are still in the cache.
  const ready =
    readJson(path.join(pkgDir, '.pes-native.json')) &&
    fs.existsSync(path.join(pkgDir, 'deps', 'lib', 'libtensorflow_cc.so.2'));
  if (argv.includes('--rebuild') || !ready) {
    const tf = ensureTensorFlow(flavour, cache, glibcMinor, logs);
    buildPackage(flavour, tf, pkgDir, cache, logs);
  } else {
    say(`using the binding built before (${path.join(cache, 'pkg', pkgKey)})`);
  }
  const { target, fresh } = install(flavour, pkgDir);
  say(`${fresh ? 'installed' : 'already installed:'} ${path.relative(ROOT, target)}`);
  checkLinkage(target);
  if (flavour.cuda) checkCudaRunpath(target);
  verify(flavour);
  say(
    `done in ${seconds(started)}. npm ci and npm install remove it from node_modules: run npm run setup:native${flavour.cuda ? ' -- --gpu' : ''} again afterwards (seconds, from the cache)`,
  );
}

try {
  main();
} catch (e) {
  for (const p of scratch) fs.rmSync(p, { recursive: true, force: true });
  if (e instanceof SetupError) {
    console.error(`${NAME}: ${e.message}`);
    process.exit(e.code);
  }
  console.error(
    `${NAME}: unexpected error: ${e?.message ?? e}${process.env.PES_NATIVE_DEBUG ? `\n${e?.stack}` : ' (PES_NATIVE_DEBUG=1 shows the stack)'}`,
  );
  process.exit(1);
}
