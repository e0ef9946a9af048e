/**
 * Sample state sequences from a known transition matrix: the ground truth of the known-answer and
 * coverage tests, and of simulated movies with prescribed kinetics.
 */
import { AtomdynError } from '../../data/errors.ts';
import type { Random } from '../../data/random.ts';

/**
 * One realisation of the Markov chain with transition matrix P (one step = one frame).
 *
 * @param P n x n row-stochastic matrix
 * @param length number of frames (>= 1)
 * @param start initial state index
 * @param rng seeded generator
 * @returns Int32Array of state indices
 * @throws AtomdynError when a row of P does not sum to 1 (tolerance 1e-9) or has a negative entry
 */
export function simulateChain(P: number[][], length: number, start: number, rng: Random): Int32Array {
  const n = P.length;
  P.forEach((row, i) => {
    const s = row.reduce((a, b) => a + b, 0);
    if (row.some((v) => !(v >= 0)) || Math.abs(s - 1) > 1e-9) throw new AtomdynError('', `row ${i} of the transition matrix is not a probability distribution`);
  });
  const cum = P.map((row) => {
    let c = 0;
    return row.map((v) => (c += v));
  });
  const out = new Int32Array(length);
  let s = start;
  for (let t = 0; t < length; t++) {
    out[t] = s;
    const u = rng.uniform();
    let j = 0;
    while (j < n - 1 && u >= cum[s][j]) j++;
    s = j;
  }
  return out;
}
