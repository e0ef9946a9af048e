/**
 * Benchmark of the Markov step: MarkovEstimator.fit (counts, matrix, 1000 posterior samples,
 * bootstrap, implied timescales, Chapman-Kolmogorov) and the report builder, on simulated chains.
 * No peer figures: deeptime is a Python package and is not installed here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Random } from '../data/random.ts';
import { simulateChain } from '../dynamics/kinetics/markovSimulation.ts';
import { sequencesFromArrays } from '../dynamics/kinetics/stateSequences.ts';
import { MarkovEstimator } from '../dynamics/kinetics/markovEstimator.ts';
import { countTransitions } from '../dynamics/kinetics/countMatrix.ts';
import { buildReport } from '../report/buildReport.ts';
import { writeSyntheticRun } from './fixtures/syntheticRun.ts';

const P5 = [
  [0.9, 0.05, 0.03, 0.02, 0],
  [0.02, 0.9, 0.05, 0.02, 0.01],
  [0, 0.04, 0.92, 0.03, 0.01],
  [0.01, 0.01, 0.03, 0.93, 0.02],
  [0, 0, 0.02, 0.03, 0.95],
];
const rows: Array<[string, string]> = [];
function time(label: string, fn: () => void, reps = 3) {
  fn();
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) fn();
  rows.push([label, `${((performance.now() - t0) / reps).toFixed(1)} ms`]);
}
for (const [particles, frames] of [[8, 60], [50, 600], [200, 2000]]) {
  const rng = new Random(1);
  const seqs = sequencesFromArrays(Array.from({ length: particles }, () => Array.from(simulateChain(P5, frames, rng.int(5), rng))));
  time(`counts sliding, ${particles} particles x ${frames} frames`, () => countTransitions(seqs, 1, 'sliding'));
  time(`counts effective lag 5, ${particles} x ${frames}`, () => countTransitions(seqs, 5, 'effective'), 1);
  time(`MarkovEstimator.fit (5 states), ${particles} x ${frames}`, () => new MarkovEstimator({ seed: 1 }).fit(seqs), 1);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-bench-report-'));
await writeSyntheticRun(dir);
const t0 = performance.now();
await buildReport(dir);
rows.push(['buildReport (synthetic run, 40 frames, 255 atoms/frame)', `${(performance.now() - t0).toFixed(0)} ms`]);
rmSync(dir, { recursive: true, force: true });
const w = Math.max(...rows.map((r) => r[0].length));
for (const [a, b] of rows) process.stdout.write(`${a.padEnd(w)}  ${b}\n`);
