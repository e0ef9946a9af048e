/**
 * Benchmark of the network path (issue 24): the forward pass as trained (`model.predict`: conv,
 * LeakyReLU and batch norm as separate kernels) against the frozen inference graph
 * (models/inferenceGraph.ts: batch norm folded, conv + bias + LeakyReLU fused), and both against the
 * PyTorch peer (bench/peers/atomai_unet.py, AtomAI's default U-Net, forward pass only), measured in
 * interleaved rounds in one run so that the ratios hold on a loaded machine.
 *
 * (a) the same network on the same input: AtomAI's default U-Net (16 filters, 3 classes), one
 *     512 x 512 frame, batch 1, ours on one thread of the active backend, the peer on BENCH_PEER_THREADS
 *     (default 1, the same share of the machine; 2 = the peer's figure of the issue).
 * (b) the shipped `graphene-si` card frozen as it is: a 512 x 512 frame at 7.8 pm/px is resampled to
 *     the card's 16 pm/px, so the network sees 256 x 256 (padded) at its 12 filters.
 *
 * Each on tfjs wasm as trained and frozen, and the frozen graph exported to ONNX (models/onnxExport.ts)
 * on onnxruntime-node's CPU build (the `onnxruntime` backend; 1 intra-op thread, and as many as the
 * peer's threads) when that package is installed.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_REPEATS (best of, per round; default 3).
 * Writes .bench/inference.json as well as the table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, initBackend } from '../models/tensorBackend.ts';
import { buildUNet } from '../models/unet.ts';
import { freezeUNet, type FrozenUNet } from '../models/inferenceGraph.ts';
import { loadModelByName } from '../models/registry.ts';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT } from '../models/onnxExport.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const peerThreads = Number(process.env.BENCH_PEER_THREADS ?? 1);

function bestMs(run: () => tf.Tensor): number {
  run().dispose(); // warm-up (kernel set-up, memory)
  let m = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const y = run();
    y.dataSync();
    m = Math.min(m, performance.now() - t0);
    y.dispose();
  }
  return m;
}

function peerMs(): number | string {
  const script = path.join(root, 'bench/peers/atomai_unet.py');
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) continue;
    const r = spawnSync(py, [script, '--frame', '512', '--patch', '16', '--batch', '1', '--classes', '3', '--filters', '16', '--repeats', String(repeats), '--threads', String(peerThreads)], { encoding: 'utf8' });
    if (r.status !== 0) return `peer failed: ${r.stderr.trim().split('\n').pop()}`;
    return Number((JSON.parse(r.stdout.trim().split('\n').pop()!) as { predict_ms: number }).predict_ms);
  }
  return 'skipped: PyTorch is not installed (apt-get install python3-torch; run with /usr/bin/python3)';
}

/** Best-of-`repeats` ms of the frozen graph on onnxruntime with `threads` intra-op threads, or null without onnxruntime-node. */
async function onnxTimer(frozen: FrozenUNet, x: tf.Tensor4D, threads: number): Promise<(() => Promise<number>) | null> {
  let ort: typeof import('onnxruntime-node');
  try {
    const mod = (await import('onnxruntime-node')) as typeof import('onnxruntime-node') & { default?: typeof import('onnxruntime-node') };
    ort = mod.default ?? mod;
  } catch {
    return null;
  }
  const session = await ort.InferenceSession.create(exportOnnx(frozen.graph), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const [n, h, w] = x.shape;
  const input = new ort.Tensor('float32', x.dataSync() as Float32Array, [n, 1, h, w]);
  return async () => {
    await session.run({ [ONNX_INPUT]: input }); // warm-up
    let m = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      const out = await session.run({ [ONNX_INPUT]: input });
      if (!(out[ONNX_OUTPUT].data as Float32Array).length) throw new Error('empty output');
      m = Math.min(m, performance.now() - t0);
    }
    return m;
  };
}

const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const backend = await initBackend();
const atomai = buildUNet({ classes: 3 });
const atomaiFrozen = freezeUNet(atomai);
const x512 = tf.randomNormal([1, 512, 512, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
const { model: shipped, card } = await loadModelByName('graphene-si');
const shippedFrozen = freezeUNet(shipped);
const x256 = tf.randomNormal([1, 256, 256, 1], 0, 1, 'float32', 2) as tf.Tensor4D;

const onnx = {
  a1: await onnxTimer(atomaiFrozen, x512, 1), aP: await onnxTimer(atomaiFrozen, x512, peerThreads),
  b1: await onnxTimer(shippedFrozen, x256, 1), bP: await onnxTimer(shippedFrozen, x256, peerThreads),
};
const r: Record<string, number[]> = { a_trained: [], a_frozen: [], a_onnx1: [], a_onnxP: [], b_trained: [], b_frozen: [], b_onnx1: [], b_onnxP: [], peer: [] };
let peerNote = '';
for (let k = 0; k < rounds; k++) {
  r.a_trained.push(bestMs(() => atomai.predict(x512) as tf.Tensor));
  r.a_frozen.push(bestMs(() => atomaiFrozen.predict(x512)));
  if (onnx.a1 && onnx.aP) {
    r.a_onnx1.push(await onnx.a1());
    r.a_onnxP.push(await onnx.aP());
  }
  const p = peerMs();
  if (typeof p === 'number') r.peer.push(p);
  else peerNote = p;
  r.b_trained.push(bestMs(() => shipped.predict(x256) as tf.Tensor));
  r.b_frozen.push(bestMs(() => shippedFrozen.predict(x256)));
  if (onnx.b1 && onnx.bP) {
    r.b_onnx1.push(await onnx.b1());
    r.b_onnxP.push(await onnx.bP());
  }
}
const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.length ? median(v) : NaN]));
// per-round ratios against the peer of the same round
const ratio = (key: string) => (r.peer.length && r[key].length ? median(r.peer.map((p, i) => r[key][i] / p)) : NaN);
const f = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-');
const q = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
const lines = [
  `machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}; tfjs on ${backend.tensors} (1 thread), onnxruntime on 1 and ${peerThreads} thread(s), peer on ${peerThreads} thread(s); median over ${rounds} interleaved rounds of best-of-${repeats}`,
  '',
  `| network, input | tfjs as trained ms | tfjs frozen (BN folded) ms | onnxruntime 1 thread ms | onnxruntime ${peerThreads} thread(s) ms | PyTorch peer ms | trained / peer | frozen / peer | onnxruntime 1 / peer | onnxruntime ${peerThreads} / peer |`,
  '|---|---|---|---|---|---|---|---|---|---|',
  `| (a) AtomAI default U-Net, 16 filters, 512x512 | ${f(m.a_trained)} | ${f(m.a_frozen)} | ${f(m.a_onnx1)} | ${f(m.a_onnxP)} | ${f(m.peer)} | ${q(ratio('a_trained'))} | ${q(ratio('a_frozen'))} | ${q(ratio('a_onnx1'))} | ${q(ratio('a_onnxP'))} |`,
  `| (b) shipped ${card.name}, ${card.architecture.options.baseFilters} filters, 256x256 (a 512x512 frame at 7.8 pm/px seen at ${card.pixelSizePm} pm/px) | ${f(m.b_trained)} | ${f(m.b_frozen)} | ${f(m.b_onnx1)} | ${f(m.b_onnxP)} | ${f(m.peer)} (512x512 raw) | ${q(ratio('b_trained'))} | ${q(ratio('b_frozen'))} | ${q(ratio('b_onnx1'))} | ${q(ratio('b_onnxP'))} |`,
];
if (!onnx.a1) lines.push('', 'onnxruntime: onnxruntime-node is not installed (an optional dependency)');
if (peerNote) lines.push('', `peer: ${peerNote}`);
process.stdout.write(lines.join('\n') + '\n');
mkdirSync(path.join(root, '.bench'), { recursive: true });
writeFileSync(path.join(root, '.bench/inference.json'), JSON.stringify({ when: new Date().toISOString(), backend: backend.name, peerThreads, rounds: r, medians: m }, null, 2));
tf.dispose([x512, x256]);
atomaiFrozen.dispose();
shippedFrozen.dispose();
atomai.dispose();
shipped.dispose();
