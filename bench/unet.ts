/**
 * U-Net benchmark: training images/s and inference ms per 512x512 input frame on our tensor
 * backend, side by side with the PyTorch peer (bench/peers/atomai_unet.py: AtomAI's default
 * U-Net in Debian's python3-torch) in one run. The peer is skipped with a message when torch is
 * not installed.
 *
 * Resolutions (graphene, the raw frames of ../shared/data/graphene_Si are about 7.8 pm/px):
 * - ours works at the model pixel size, 16 pm/px: a 512x512 raw frame becomes a 256x256 network
 *   input (resampling not included in the timing); a training patch is 128x128 model px;
 *   we also time a 512x512 network input (the MX2 case, where raw and model pixel sizes are close).
 * - the peer works at the raw resolution, as AtomAI does: 512x512 frames; training patches of
 *   256x256 raw px cover the same area as our 128x128.
 * Batch 4 for training (Adam, class-weighted cross-entropy + Dice for ours, cross-entropy for the
 * peer), batch 1 for inference; the best of REPEATS timed runs after one warm-up.
 *
 * Environment: BENCH_REPEATS (default 3), BENCH_FILTERS (default "8,16").
 * Writes .bench/unet.json as well as the table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, initBackend } from '../models/tensorBackend.ts';
import { buildUNet, countParameters } from '../models/unet.ts';
import { segmentationLoss } from '../training/losses.ts';
import { augmentSample } from '../training/augment.ts';
import { Random } from '../data/random.ts';
import { createSyntheticSource } from '../training/simulator/syntheticSource.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const filterSet = (process.env.BENCH_FILTERS ?? '8,16').split(',').map(Number);
const BATCH = 4, PATCH = 128, CLASSES = 3;

function best(fn: () => void): number {
  fn(); // warm-up
  let m = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    m = Math.min(m, performance.now() - t0);
  }
  return m;
}

function trainStepMs(model: tf.LayersModel): number {
  const opt = tf.train.adam(1e-3);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomNormal([BATCH, PATCH, PATCH, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH, PATCH, PATCH], 0, CLASSES, 'int32', 2), CLASSES));
  const lossOpts = { classWeights: [1, 2, 5], diceWeight: 1, diceIncludeBackground: false };
  const ms = best(() => {
    const c = opt.minimize(() => segmentationLoss(y, model.apply(x, { training: true }) as tf.Tensor, lossOpts), true, vars)!;
    c.dataSync();
    c.dispose();
  });
  tf.dispose([x, y]);
  opt.dispose();
  return ms;
}

function predictMs(model: tf.LayersModel, size: number): number {
  const x = tf.randomNormal([1, size, size, 1], 0, 1, 'float32', 3);
  const ms = best(() => {
    const p = model.predict(x) as tf.Tensor;
    p.dataSync();
    p.dispose();
  });
  x.dispose();
  return ms;
}

async function augmentMs(): Promise<number> {
  const src = createSyntheticSource({ size: 160, bondPx: 142 / 16, sigmaPx: 2.5, labelRadiusPx: 3, seed: 1 });
  const samples = await Promise.all(Array.from({ length: 4 }, () => src.next()));
  const rng = new Random(1);
  return best(() => { for (const s of samples) augmentSample(s, PATCH, rng, {}); }) / samples.length;
}

function peer(): Record<string, unknown> | string {
  const script = path.join(root, 'bench/peers/atomai_unet.py');
  for (const py of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const r = spawnSync(py, [script, '--frame', '512', '--patch', '256', '--batch', String(BATCH), '--classes', String(CLASSES), '--repeats', String(repeats)], { encoding: 'utf8' });
    if (r.status !== 0) return `peer failed: ${r.stderr.trim().split('\n').pop()}`;
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  }
  return 'skipped: PyTorch is not installed (apt-get install python3-torch)';
}

const backend = await initBackend();
const rows: Array<Record<string, unknown>> = [];
for (const f of filterSet) {
  const model = buildUNet({ baseFilters: f, classes: CLASSES });
  const step = trainStepMs(model);
  rows.push({
    side: 'atomdyn', backend: backend.name, filters: f, parameters: countParameters(model).trainable,
    train: `batch ${BATCH} x ${PATCH}^2 model px (16 pm/px)`, train_step_ms: Math.round(step), train_images_per_s: +(BATCH / (step / 1000)).toFixed(2),
    predict_256_ms: Math.round(predictMs(model, 256)), predict_512_ms: Math.round(predictMs(model, 512)),
  });
  model.dispose();
}
const aug = await augmentMs();
const p = peer();

const lines: string[] = [];
lines.push(`machine: ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg()[0].toFixed(1)}; ours on ${backend.name} (${backend.threads} thread); best of ${repeats}`);
lines.push('');
lines.push('| side | filters | params | train step (batch 4) | train images/s | 512x512 raw frame: predict ms (network input) | 512x512 network input ms |');
lines.push('|---|---|---|---|---|---|---|');
for (const r of rows) {
  lines.push(`| atomdyn ${r.backend} | ${r.filters} | ${r.parameters} | ${r.train_step_ms} ms (${PATCH}x${PATCH} at 16 pm/px) | ${r.train_images_per_s} | ${r.predict_256_ms} (256x256 at 16 pm/px) | ${r.predict_512_ms} |`);
}
if (typeof p === 'string') {
  lines.push(`| PyTorch peer | 16 | - | ${p} | | | |`);
} else {
  lines.push(`| PyTorch ${p.torch} CPU, ${p.threads} threads | 16 | ${p.parameters} | ${p.train_step_ms} ms (${p.patch}x${p.patch} raw, 7.8 pm/px) | ${p.train_images_per_s} | ${p.predict_ms} (512x512 raw) | ${p.predict_ms} |`);
}
lines.push('');
lines.push(`augmentation + normalisation of one ${PATCH}x${PATCH} training patch (JavaScript): ${aug.toFixed(1)} ms`);
process.stdout.write(lines.join('\n') + '\n');
mkdirSync(path.join(root, '.bench'), { recursive: true });
writeFileSync(path.join(root, '.bench/unet.json'), JSON.stringify({ when: new Date().toISOString(), ours: rows, augmentMsPerPatch: aug, peer: p }, null, 2));
