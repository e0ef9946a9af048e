/**
 * Synthetic configurations.csv tables with known kinetics, made by our own code for the Markov and
 * report tests: particles start at random frames, are missed in some frames, drift around, and change
 * state by a known transition matrix.
 */
import { Random } from '../../data/random.ts';
import { simulateChain } from '../../dynamics/kinetics/markovSimulation.ts';
import type { Cell, Table } from '../../data/csvTable.ts';

/** Si-C3 turns into Si-C4 or class2 and never comes back (beam-driven, one-way); Si-C4 and class2 exchange. */
export const KNOWN_P = [
  [0.9, 0.07, 0.03],
  [0, 0.97, 0.03],
  [0, 0.05, 0.95],
];
export const KNOWN_NAMES = ['Si1C3', 'Si1C4', 'class2'];

/**
 * @param opts.particles number of particles; opts.frames movie length; opts.missing fraction of unobserved frames
 * @returns the table (columns of docs/schema.md) and the true state per (particle, frame)
 */
export function syntheticConfigurations(opts: { particles?: number; frames?: number; missing?: number; seed?: number; P?: number[][]; names?: string[] } = {}): Table {
  const rng = new Random(opts.seed ?? 1);
  const P = opts.P ?? KNOWN_P;
  const names = opts.names ?? KNOWN_NAMES;
  const frames = opts.frames ?? 60;
  const rows: Array<Record<string, Cell>> = [];
  for (let p = 0; p < (opts.particles ?? 12); p++) {
    const start = rng.int(Math.floor(frames / 3));
    const len = Math.max(2, frames - start - rng.int(Math.floor(frames / 4)));
    const chain = simulateChain(P, len, rng.int(P.length), rng);
    let x = 20 + rng.uniform() * 200, y = 20 + rng.uniform() * 200;
    for (let k = 0; k < len; k++) {
      x += rng.normal() * 0.3;
      y += rng.normal() * 0.3;
      if (k > 0 && k < len - 1 && rng.uniform() < (opts.missing ?? 0.05)) continue;
      rows.push({
        frame: start + k, particle: p, x: +x.toFixed(3), y: +y.toFixed(3), complex: p, formula: names[chain[k]].startsWith('Si') ? names[chain[k]] : 'Si2C6',
        state: chain[k], state_name: names[chain[k]], rotation: +(rng.uniform() * 120).toFixed(2), mirror: false, probability: +(0.8 + 0.2 * rng.uniform()).toFixed(3),
      });
    }
  }
  rows.sort((a, b) => (a.frame as number) - (b.frame as number) || (a.particle as number) - (b.particle as number));
  return { columns: ['frame', 'particle', 'x', 'y', 'complex', 'formula', 'state', 'state_name', 'rotation', 'mirror', 'probability'], rows };
}
