#!/usr/bin/env node
// Provides the native TensorFlow addon of @tensorflow/tfjs-node-gpu.
//
// The package's own install script always downloads libtensorflow 2.9.1 from Google's storage. Where that
// network is reachable we keep that path (it is also the one that carries CUDA kernels). Where it is not,
// we take libtensorflow from the `tensorflow-cpu` wheel on PyPI, stage it as the addon's deps/lib and
// deps/include, and build the addon from source. Libraries and the built addon are cached outside
// node_modules so that `npm ci` (which wipes node_modules) does not cost a rebuild.
//
// Environment: XP_TF_SOURCE=download|wheel forces one path; XP_CACHE_DIR moves the cache.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TF_WHEEL = 'tensorflow-cpu';
const TF_WHEEL_VERSION = '2.21.0';
const DOWNLOAD_TIMEOUT_MS = 180_000;

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkgJson = require.resolve('@tensorflow/tfjs-node-gpu/package.json', { paths: [root] });
const pkgDir = path.dirname(pkgJson);
const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
const cacheDir = process.env.XP_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'xp');
const markerPath = path.join(pkgDir, 'deps', 'xp-source.json');
const nodePrefix = path.dirname(path.dirname(process.execPath));

function log(msg) {
  console.log(`[xp setup] ${msg}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status === 0;
}

function bindingPaths() {
  const dir = path.join(pkgDir, 'lib');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => d.startsWith('napi-v'))
    .map((d) => path.join(dir, d, 'tfjs_binding.node'))
    .filter((p) => fs.existsSync(p));
}

/** True when the addon loads and reports the native backend. */
function addonWorks() {
  const r = spawnSync(
    process.execPath,
    ['-e', "const tf=require('@tensorflow/tfjs-node-gpu');process.stdout.write(tf.getBackend()+' '+tf.version.tfjs)"],
    { cwd: root, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } },
  );
  return r.status === 0 && r.stdout.startsWith('tensorflow');
}

function writeMarker(source, extra = {}) {
  fs.mkdirSync(path.dirname(markerPath), { recursive: true });
  fs.writeFileSync(markerPath, JSON.stringify({ source, ...extra, setupAt: new Date().toISOString() }, null, 2));
}

function tryDownload() {
  log('trying the package\'s own download of libtensorflow (Google storage)…');
  const ok = run(process.execPath, ['scripts/install.js', 'gpu', 'download'], {
    cwd: pkgDir,
    timeout: DOWNLOAD_TIMEOUT_MS,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (ok && addonWorks()) {
    writeMarker('download', { libtensorflow: pkg.version && '2.9.1 (GPU build from storage.googleapis.com)' });
    log('libtensorflow came from the download.');
    return true;
  }
  log('the download is not possible from this network; falling back to the TensorFlow wheel from PyPI.');
  return false;
}

function python() {
  for (const p of ['python3', 'python']) {
    if (spawnSync(p, ['--version']).status === 0) return p;
  }
  throw new Error('python3 is needed to fetch the TensorFlow wheel from PyPI; install Python 3.9+ and retry.');
}

/** Unpacks the two shared libraries and the C headers from the wheel into the cache. */
function stageWheel(tfDir) {
  const libDir = path.join(tfDir, 'lib');
  if (fs.existsSync(path.join(libDir, 'libtensorflow_cc.so.2')) && fs.existsSync(path.join(tfDir, 'include', 'tensorflow', 'c', 'c_api.h'))) {
    return;
  }
  const wheels = path.join(cacheDir, 'wheels');
  fs.mkdirSync(wheels, { recursive: true });
  log(`fetching ${TF_WHEEL}==${TF_WHEEL_VERSION} from PyPI…`);
  if (!run(python(), ['-m', 'pip', 'download', '--no-deps', '--quiet', `${TF_WHEEL}==${TF_WHEEL_VERSION}`, '-d', wheels])) {
    throw new Error(`pip could not download ${TF_WHEEL}==${TF_WHEEL_VERSION}; check that PyPI is reachable.`);
  }
  const wheel = fs.readdirSync(wheels).find((f) => f.startsWith(`${TF_WHEEL.replace('-', '_')}-${TF_WHEEL_VERSION}`) && f.endsWith('.whl'));
  if (!wheel) throw new Error(`no ${TF_WHEEL} wheel found in ${wheels} after pip download`);
  const tmp = `${tfDir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`unpacking libtensorflow from ${wheel}…`);
  // Python's zipfile is used because `unzip` is not on every machine, and only a few members are needed.
  const script = `
import sys, zipfile, os, shutil
whl, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, 'lib'), exist_ok=True)
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):
            with z.open(n) as src, open(os.path.join(out, 'lib', os.path.basename(n)), 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        elif n.startswith('tensorflow/include/') and not n.endswith('/'):
            rel = n[len('tensorflow/include/'):]
            dest = os.path.join(out, 'include', rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(n) as src, open(dest, 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
`;
  if (!run(python(), ['-c', script, path.join(wheels, wheel), tmp])) throw new Error('unpacking the wheel failed');
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(tmp, 'lib', 'libtensorflow.so'));
  fs.symlinkSync('libtensorflow_framework.so.2', path.join(tmp, 'lib', 'libtensorflow_framework.so'));
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(tmp, 'lib', 'libtensorflow.so.2'));
  fs.rmSync(tfDir, { recursive: true, force: true });
  fs.renameSync(tmp, tfDir);
}

function cachedBindingDir() {
  const abiKey = `tfjs-node-gpu-${pkg.version}-node-abi${process.versions.modules}-${TF_WHEEL}-${TF_WHEEL_VERSION}-${process.arch}`;
  return path.join(cacheDir, 'bindings', abiKey);
}

function fromWheel() {
  const tfDir = path.join(cacheDir, `libtensorflow-${TF_WHEEL}-${TF_WHEEL_VERSION}`);
  stageWheel(tfDir);
  const deps = path.join(pkgDir, 'deps');
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(deps, { recursive: true });
  // The addon's rpath is $ORIGIN/../../deps/lib, so deps/lib must resolve to the libraries at run time.
  fs.symlinkSync(path.join(tfDir, 'lib'), path.join(deps, 'lib'));
  fs.symlinkSync(path.join(tfDir, 'include'), path.join(deps, 'include'));

  const cachedBinding = cachedBindingDir();
  if (fs.existsSync(path.join(cachedBinding, 'lib'))) {
    log('reusing the addon built earlier from the cache.');
    fs.cpSync(path.join(cachedBinding, 'lib'), path.join(pkgDir, 'lib'), { recursive: true });
  } else {
    log(`building the addon from source against libtensorflow ${TF_WHEEL_VERSION} (about a minute)…`);
    const preGyp = require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: [pkgDir] });
    // --nodedir: node-gyp would otherwise download Node's headers; they ship beside the node binary.
    if (!run(process.execPath, [preGyp, 'install', '--build-from-source', `--nodedir=${nodePrefix}`], { cwd: pkgDir })) {
      throw new Error('building the tfjs-node-gpu addon failed (see the compiler output above); a C++ toolchain (g++, make) is required.');
    }
    fs.rmSync(cachedBinding, { recursive: true, force: true });
    fs.mkdirSync(cachedBinding, { recursive: true });
    fs.cpSync(path.join(pkgDir, 'lib'), path.join(cachedBinding, 'lib'), { recursive: true });
  }
  if (!addonWorks()) throw new Error('the addon built from the wheel does not load; run `npx xp doctor` for details.');
  writeMarker('wheel', { libtensorflow: `${TF_WHEEL}==${TF_WHEEL_VERSION} from PyPI`, libDir: path.join(tfDir, 'lib') });
  log(`libtensorflow came from the ${TF_WHEEL} ${TF_WHEEL_VERSION} wheel.`);
}

function main() {
  if (bindingPaths().length > 0 && fs.existsSync(markerPath) && addonWorks()) {
    const m = JSON.parse(fs.readFileSync(markerPath, 'utf8'));
    log(`native TensorFlow addon ready (libtensorflow from the ${m.source}).`);
    return;
  }
  const forced = process.env.XP_TF_SOURCE;
  // A machine that already built the addon from the wheel (the download failed there before) reuses it.
  const wheelBuiltBefore = fs.existsSync(path.join(cachedBindingDir(), 'lib'));
  if (forced !== 'wheel' && !(wheelBuiltBefore && forced !== 'download') && tryDownload()) return;
  if (forced === 'download') throw new Error('XP_TF_SOURCE=download was set but the download failed.');
  fromWheel();
}

try {
  main();
} catch (e) {
  console.error(`[xp setup] ERROR: ${e.message}`);
  process.exit(1);
}
