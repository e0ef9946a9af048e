/**
 * Peak resident memory of whole commands (issues 23 and 24): the compiled `atomdyn` (dist/, as `npm ci`
 * builds it) run in a child process on simulated graphene movies, its peak RSS read from the child's own
 * `process.resourceUsage().maxRSS` (all its threads: the locate workers and the HDF5 worker included),
 * written at exit by a preloaded module. Cases and goals:
 *
 * - `locate` and `analyze` of 300 frames of 256 x 256 px (simulated, 4 dopants): analyze <= 500 MB (issue 23);
 * - `analyze` of 60 frames of 512 x 512 px (simulated, 8 dopants): <= 600 MB (issue 24);
 * - `analyze` of the same 60 frames repeated to 60 x R frames (R = `--repeat`, default 10, i.e. 600 frames):
 *   peak <= 1.1 x the 60-frame peak (flat memory; issue 24). Both are .npy files written here frame by frame
 *   (with a sidecar .json carrying the pixel size and frame time), so only the length differs.
 *
 * The movies are simulated once into `--dir` (default the system's temporary folder,
 * atomdyn-bench-memory/) and reused. Wall times are printed for orientation only (the machine may be
 * shared); the figures that count are the peaks.
 *
 *   npm run bench -- memory [--repeat 10] [--only locate300,analyze300,analyze60,analyzeRepeat] [--dir DIR]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFrames } from '../data/openFrames.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'dist', '.build-stamp'))) {
  process.stdout.write('dist/ is not built: run `npm run build` first\n');
  process.exit(1);
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const repeat = Number(option('repeat', '10'));
if (!Number.isInteger(repeat) || repeat < 2) throw new Error(`--repeat must be an integer >= 2, got ${option('repeat', '')}`);
const only = option('only', '') ? new Set(option('only', '').split(',')) : null;
const dir = path.resolve(option('dir', path.join(os.tmpdir(), 'atomdyn-bench-memory')));
mkdirSync(dir, { recursive: true });

/** Preloaded into each child: write its peak RSS (KiB, every thread) to the file named by the environment at exit. */
const PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { if (process.env.ATOMDYN_BENCH_RSS_FILE) writeFileSync(process.env.ATOMDYN_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)); });",
)}`;

/** Run `atomdyn ARGS` in a child process; its peak RSS in MB and wall time in s. */
function atomdyn(args: string[]): { peakMb: number; wallS: number } {
  const rssFile = path.join(dir, `.rss-${process.pid}`);
  rmSync(rssFile, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', PRELOAD, path.join(root, 'bin', 'atomdyn.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ATOMDYN_QUIET: '1', ATOMDYN_BENCH_RSS_FILE: rssFile },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`atomdyn ${args.join(' ')} exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  const kib = Number(readFileSync(rssFile, 'utf8'));
  rmSync(rssFile, { force: true });
  return { peakMb: (kib * 1024) / 1e6, wallS };
}

/** Simulate a graphene movie into DIR/NAME unless a complete one is there; its movie.tif. */
function simulated(name: string, frames: number, size: number, dopants: number, seed: number): string {
  const out = path.join(dir, name);
  const movie = path.join(out, 'movie.tif');
  if (!existsSync(movie) || !existsSync(path.join(out, 'run.json'))) {
    process.stdout.write(`simulating ${frames} frames of ${size} x ${size} px into ${out} ...\n`);
    atomdyn(['simulate', '--lattice', 'graphene', '--movie', '--frames', String(frames), '--size', String(size), '--dopants', String(dopants), '--seed', String(seed), '--out', out, '--overwrite']);
  }
  return movie;
}

/**
 * The frames of `movie` repeated `times` times as a float32 C-order .npy written frame by frame, with a
 * sidecar .json giving the movie's pixel size and frame time (data/readers/sidecarCalibration.ts).
 */
async function repeatedNpy(movie: string, times: number, file: string): Promise<string> {
  if (existsSync(file)) return file;
  const stack = await openFrames(movie);
  try {
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${stack.count * times}, ${stack.height}, ${stack.width}), }`;
    const spaces = (64 - ((10 + dict.length + 1) % 64)) % 64; // magic, version and length take 10 bytes; the data starts 64-aligned
    const text = dict + ' '.repeat(spaces) + '\n';
    const header = Buffer.alloc(10);
    header.write('\x93NUMPY', 0, 'latin1');
    header[6] = 1; // version 1.0
    header[7] = 0;
    header.writeUInt16LE(text.length, 8);
    const partial = `${file}.partial`;
    const fd = openSync(partial, 'w');
    try {
      writeSync(fd, Buffer.concat([header, Buffer.from(text, 'latin1')]));
      for (let t = 0; t < times; t++) {
        for (let i = 0; i < stack.count; i++) {
          const f = await stack.readFrame(i);
          writeSync(fd, Buffer.from(f.buffer, f.byteOffset, f.byteLength)); // little-endian hosts, as '<f4' says
        }
      }
    } finally {
      closeSync(fd);
    }
    const cal = stack.calibration;
    writeFileSync(file.replace(/\.npy$/, '.json'), JSON.stringify({ pixel_size_pm: cal.pixelSizePm.value, ...(cal.frameTimeS.value != null ? { frame_time_s: cal.frameTimeS.value } : {}) }) + '\n');
    renameSync(partial, file);
  } finally {
    await stack.close();
  }
  return file;
}

interface Row {
  name: string;
  what: string;
  peakMb: number;
  wallS: number;
  goal: string;
  met: boolean | null;
}
const rows: Row[] = [];
/** Keep a case's row and print it at once (the table follows at the end). */
function record(r: Row): void {
  rows.push(r);
  process.stdout.write(`${r.what}: peak ${r.peakMb.toFixed(0)} MB, ${r.wallS.toFixed(0)} s\n`);
}
const want = (name: string) => !only || only.has(name);
const runOut = (name: string) => path.join(dir, 'runs', name);

if (want('locate300') || want('analyze300')) {
  const m300 = simulated('graphene-300x256', 300, 256, 4, 1);
  if (want('locate300')) {
    const r = atomdyn(['locate', m300, '--out', runOut('locate300'), '--overwrite']);
    record({ name: 'locate300', what: 'locate, 300 frames of 256 x 256', ...r, goal: '<= 500 MB (issue 23)', met: r.peakMb <= 500 });
  }
  if (want('analyze300')) {
    const r = atomdyn(['analyze', m300, '--out', runOut('analyze300'), '--overwrite']);
    record({ name: 'analyze300', what: 'analyze, 300 frames of 256 x 256', ...r, goal: '<= 500 MB (issue 23)', met: r.peakMb <= 500 });
  }
}
if (want('analyze60') || want('analyzeRepeat')) {
  const m60 = simulated('graphene-60x512', 60, 512, 8, 2);
  const once = await repeatedNpy(m60, 1, path.join(dir, 'graphene-60x512-x1.npy'));
  const r60 = atomdyn(['analyze', once, '--out', runOut('analyze60'), '--overwrite']);
  if (want('analyze60')) record({ name: 'analyze60', what: 'analyze, 60 frames of 512 x 512', ...r60, goal: '<= 600 MB (issue 24)', met: r60.peakMb <= 600 });
  if (want('analyzeRepeat')) {
    const many = await repeatedNpy(m60, repeat, path.join(dir, `graphene-60x512-x${repeat}.npy`));
    const r = atomdyn(['analyze', many, '--out', runOut('analyzeRepeat'), '--overwrite']);
    record({ name: 'analyzeRepeat', what: `analyze, the 60 frames repeated to ${60 * repeat}`, ...r, goal: `<= 1.1 x 60 frames' ${r60.peakMb.toFixed(0)} MB (issue 24): ${(r.peakMb / r60.peakMb).toFixed(2)} x`, met: r.peakMb <= 1.1 * r60.peakMb });
  }
}

process.stdout.write(`\nPeak RSS of the compiled CLI (child process maxRSS; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)} at the end)\n\n`);
process.stdout.write('| case | peak RSS (MB) | wall (s) | goal | met |\n|---|---|---|---|---|\n');
for (const r of rows) process.stdout.write(`| ${r.what} | ${r.peakMb.toFixed(0)} | ${r.wallS.toFixed(0)} | ${r.goal} | ${r.met === null ? '' : r.met ? 'yes' : 'NO'} |\n`);
