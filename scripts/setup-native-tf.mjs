#!/usr/bin/env node
// Provides the native TensorFlow addon of @tensorflow/tfjs-node-gpu.
//
// The package's own install script always downloads libtensorflow 2.9.1 from Google's storage. Where that
// network is reachable we keep that path (it is also the one that carries CUDA kernels). Where it is not,
// we take libtensorflow from the `tensorflow-cpu` wheel on PyPI, stage it as the addon's deps/lib and
// deps/include, and build the addon from source. Libraries and the built addon are cached outside
// node_modules so that `npm ci` (which wipes node_modules) does not cost a rebuild.
//
// Two variants, each with its own cache (libraries and built addon):
// - cpu (default): libtensorflow from the `tensorflow-cpu` wheel.
// - gpu (XP_TF_VARIANT=gpu, or by default when `nvidia-smi` is found): libtensorflow from the `tensorflow`
//   wheel, which carries CUDA kernels, and CUDA/cuDNN from the `nvidia-*-cu12` wheels its `and-cuda` extra
//   names. Those are unpacked beside libtensorflow as in a Python site-packages (`<cache>/nvidia/<pkg>/lib`),
//   because the wheel's libraries find them through their RUNPATH (`$ORIGIN/../nvidia/<pkg>/lib`): that is the
//   library path, and it needs no LD_LIBRARY_PATH. Without a GPU, TensorFlow falls back to its CPU kernels.
//
// Environment: XP_TF_VARIANT=cpu|gpu picks the variant; XP_TF_SOURCE=download|wheel forces one path;
// XP_CACHE_DIR moves the cache; XP_TFJS_PKG_DIR builds into another copy of the tfjs-node-gpu package (used
// by scripts/check-gpu-build.sh, so that a check never replaces the working addon).
/* global process, console, URL */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TF_WHEEL_VERSION = '2.21.0';
// The runtime wheels of `tensorflow[and-cuda]==2.21.0` (its METADATA's Requires-Dist for that extra).
const CUDA_WHEELS = [
  'nvidia-cublas-cu12>=12.5.3.2,<13.0', 'nvidia-cuda-cupti-cu12>=12.5.82,<13.0', 'nvidia-cuda-nvcc-cu12>=12.5.82,<13.0',
  'nvidia-cuda-nvrtc-cu12>=12.5.82,<13.0', 'nvidia-cuda-runtime-cu12>=12.5.82,<13.0', 'nvidia-cudnn-cu12>=9.3.0.75,<10.0',
  'nvidia-cufft-cu12>=11.2.3.61,<12.0', 'nvidia-curand-cu12>=10.3.6.82,<11.0', 'nvidia-cusolver-cu12>=11.6.3.83,<12.0',
  'nvidia-cusparse-cu12>=12.5.1.3,<13.0', 'nvidia-nccl-cu12>=2.27.7,<3.0', 'nvidia-nvjitlink-cu12>=12.5.82,<13.0',
];
const DOWNLOAD_TIMEOUT_MS = 180_000;

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkgJson = process.env.XP_TFJS_PKG_DIR
  ? path.join(path.resolve(process.env.XP_TFJS_PKG_DIR), 'package.json')
  : require.resolve('@tensorflow/tfjs-node-gpu/package.json', { paths: [root] });
const pkgDir = path.dirname(pkgJson);
const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
const cacheDir = process.env.XP_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'xp');
const markerPath = path.join(pkgDir, 'deps', 'xp-source.json');
const nodePrefix = path.dirname(path.dirname(process.execPath));
const hasNvidiaSmi = spawnSync('nvidia-smi', ['-L']).status === 0;
const variant = process.env.XP_TF_VARIANT ?? (hasNvidiaSmi ? 'gpu' : 'cpu');
if (variant !== 'cpu' && variant !== 'gpu') {
  console.error(`[xp setup] ERROR: XP_TF_VARIANT=${variant}: expected cpu or gpu`);
  process.exit(1);
}
const TF_WHEEL = variant === 'gpu' ? 'tensorflow' : 'tensorflow-cpu';

// xp's patch of the addon's C++ source (applied by patch-package in setup.sh): an addon built from other source
// is rebuilt, and the build cache is keyed by it.
const PATCH_FILE = path.join(root, 'patches', `@tensorflow+tfjs-node-gpu+${pkg.version}.patch`);
const bindingPatch = fs.existsSync(PATCH_FILE) ? createHash('sha256').update(fs.readFileSync(PATCH_FILE)).digest('hex').slice(0, 12) : 'none';

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
    ['-e', `const tf=require(${JSON.stringify(pkgDir)});process.stdout.write(tf.getBackend()+' '+tf.version.tfjs)`],
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
  const wheel = fs.readdirSync(wheels).find((f) => f.startsWith(`${TF_WHEEL.replace('-', '_')}-${TF_WHEEL_VERSION}-`) && f.endsWith('.whl'));
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

/** `nvidia_cudnn_cu12-9.28.0.42-py3-…whl` → `9.28.0.42`. */
function wheelVersion(file) {
  return file.split('-')[1];
}

/**
 * Unpacks the CUDA/cuDNN runtime wheels beside libtensorflow, under `<tfDir>/nvidia/<pkg>/lib`, where the
 * RUNPATH of the `tensorflow` wheel's libraries looks (`$ORIGIN/../nvidia/<pkg>/lib`). Returns the versions.
 */
function stageCuda(tfDir) {
  const done = path.join(tfDir, 'nvidia', 'xp-cuda.json');
  if (fs.existsSync(done)) return JSON.parse(fs.readFileSync(done, 'utf8'));
  const wheels = path.join(cacheDir, 'wheels');
  log(`fetching the CUDA/cuDNN runtime wheels (${CUDA_WHEELS.length} nvidia-*-cu12 packages, ~3 GB the first time)…`);
  if (!run(python(), ['-m', 'pip', 'download', '--no-deps', '--quiet', '--disable-pip-version-check', ...CUDA_WHEELS, '-d', wheels])) {
    throw new Error('pip could not download the nvidia-*-cu12 wheels; check that PyPI is reachable.');
  }
  const names = CUDA_WHEELS.map((spec) => spec.split(/[<>=]/)[0].replace(/-/g, '_'));
  const files = names.map((n) => {
    // The newest of the cached versions that satisfy the range (pip just fetched it).
    const found = fs.readdirSync(wheels).filter((f) => f.startsWith(`${n}-`) && f.endsWith('.whl')).sort((a, b) => wheelVersion(a).localeCompare(wheelVersion(b), undefined, { numeric: true }));
    if (!found.length) throw new Error(`no ${n} wheel in ${wheels} after pip download`);
    return found.at(-1);
  });
  const tmp = path.join(tfDir, 'nvidia.tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  log('unpacking the CUDA/cuDNN libraries…');
  // Only the runtime: shared libraries and the tools TensorFlow may call (ptxas, libdevice); no headers.
  const script = `
import sys, zipfile, os, shutil
out = sys.argv[1]
for whl in sys.argv[2:]:
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            n = info.filename
            if not n.startswith('nvidia/') or n.endswith('/') or '/include/' in n:
                continue
            dest = os.path.join(out, n[len('nvidia/'):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(info) as src, open(dest, 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            if info.external_attr >> 16 & 0o111:
                os.chmod(dest, 0o755)
`;
  if (!run(python(), ['-c', script, tmp, ...files.map((f) => path.join(wheels, f))])) throw new Error('unpacking the nvidia wheels failed');
  const versions = Object.fromEntries(names.map((n, i) => [n.replace(/_cu12$/, '').replace(/^nvidia_/, ''), wheelVersion(files[i])]));
  const info = { cuda: versions.cuda_runtime, cudnn: versions.cudnn, wheels: versions };
  fs.writeFileSync(path.join(tmp, 'xp-cuda.json'), `${JSON.stringify(info, null, 2)}\n`);
  fs.rmSync(path.join(tfDir, 'nvidia'), { recursive: true, force: true });
  fs.renameSync(tmp, path.join(tfDir, 'nvidia'));
  return info;
}

const abiKey = `tfjs-node-gpu-${pkg.version}-node-abi${process.versions.modules}-${TF_WHEEL}-${TF_WHEEL_VERSION}-${process.arch}`;

function cachedBindingDir() {
  return path.join(cacheDir, 'bindings', `${abiKey}-patch-${bindingPatch}`);
}

/** Whether this machine built the addon from the wheel before, with any patch (so the download failed here). */
function builtFromWheelBefore() {
  const dir = path.join(cacheDir, 'bindings');
  return fs.existsSync(dir) && fs.readdirSync(dir).some((d) => d.startsWith(abiKey) && fs.existsSync(path.join(dir, d, 'lib')));
}

function fromWheel() {
  const tfDir = path.join(cacheDir, `libtensorflow-${TF_WHEEL}-${TF_WHEEL_VERSION}`);
  stageWheel(tfDir);
  const cuda = variant === 'gpu' ? stageCuda(tfDir) : undefined;
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
    const preGyp = require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: [pkgDir, root] });
    // --nodedir: node-gyp would otherwise download Node's headers; they ship beside the node binary.
    if (!run(process.execPath, [preGyp, 'install', '--build-from-source', `--nodedir=${nodePrefix}`], { cwd: pkgDir })) {
      throw new Error('building the tfjs-node-gpu addon failed (see the compiler output above); a C++ toolchain (g++, make) is required.');
    }
    fs.rmSync(cachedBinding, { recursive: true, force: true });
    fs.mkdirSync(cachedBinding, { recursive: true });
    fs.cpSync(path.join(pkgDir, 'lib'), path.join(cachedBinding, 'lib'), { recursive: true });
  }
  if (!addonWorks()) throw new Error('the addon built from the wheel does not load; run `npx xp doctor` for details.');
  writeMarker('wheel', {
    variant, bindingPatch, libtensorflow: `${TF_WHEEL}==${TF_WHEEL_VERSION} from PyPI`, libDir: path.join(tfDir, 'lib'),
    ...(cuda ? { cuda: cuda.cuda, cudnn: cuda.cudnn, cudaDir: path.join(tfDir, 'nvidia'), cudaWheels: cuda.wheels } : {}),
  });
  log(`libtensorflow came from the ${TF_WHEEL} ${TF_WHEEL_VERSION} wheel${cuda ? `, CUDA ${cuda.cuda} and cuDNN ${cuda.cudnn} from the nvidia-*-cu12 wheels` : ''}.`);
}

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(markerPath, 'utf8'));
  } catch {
    return null;
  }
}

function main() {
  const marker = readMarker();
  // Markers written before variants existed were all the cpu variant (or the download).
  // An addon built from the wheel before the current patch is rebuilt (the downloaded one is prebuilt, unpatched).
  const patched = marker?.source !== 'wheel' || marker.bindingPatch === bindingPatch;
  if (bindingPaths().length > 0 && marker && (marker.variant ?? 'cpu') === variant && patched && addonWorks()) {
    log(`native TensorFlow addon ready (${variant} variant, libtensorflow from the ${marker.source}).`);
    return;
  }
  const forced = process.env.XP_TF_SOURCE;
  // The gpu variant is the 2.21 wheel: the download is TensorFlow 2.9.1 for CUDA 11.2 / cuDNN 8.1.
  if (variant === 'gpu' && forced !== 'download') return fromWheel();
  // A machine that already built the addon from the wheel (the download failed there before) reuses it.
  const wheelBuiltBefore = builtFromWheelBefore();
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
