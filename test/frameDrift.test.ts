import { describe, expect, it } from 'vitest';
import { trackAtoms, frameRegistrationOptions } from '../dynamics/tracking/trackAtoms.ts';
import { estimateDriftFromFrames, FrameDriftEstimator, driftTrackFromSteps, type FrameSource } from '../dynamics/registration/driftCorrection.ts';
import { Random } from '../data/random.ts';
import type { Table } from '../data/csvTable.ts';

/** Four 64 x 64 frames of Gaussian columns on a jittered grid, moved by a known drift, and their atoms table. */
function movie(): { frames: FrameSource; atoms: Table } {
  const rng = new Random(5);
  const pts: Array<[number, number]> = [];
  for (let y = 6; y < 60; y += 8) for (let x = 6; x < 60; x += 8) pts.push([x + rng.uniform() - 0.5, y + rng.uniform() - 0.5]);
  const drift = [[0, 0], [1.3, 0.4], [2.5, 1.1], [3.9, 1.5]];
  const data = drift.map(([dx, dy]) => {
    const img = new Float32Array(64 * 64);
    for (const [px, py] of pts) for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) img[y * 64 + x] += Math.exp(-((x - px - dx) ** 2 + (y - py - dy) ** 2) / 3);
    return img;
  });
  const rows = drift.flatMap(([dx, dy], f) => pts.map(([x, y]) => ({ frame: f, x: x + dx, y: y + dy, species: 'C' })));
  return { frames: { count: 4, width: 64, height: 64, readFrame: async (i: number) => data[i] }, atoms: { columns: ['frame', 'x', 'y', 'species'], rows } };
}

describe('trackAtoms with a drift registered elsewhere (analyze: during locate)', () => {
  it('gives the same tracks and drift as registering the frames itself, and refuses a drift of another length', async () => {
    const { frames, atoms } = movie();
    const own = await trackAtoms(atoms, { drift: 'frames' }, 'atoms.csv', frames);
    const est = new FrameDriftEstimator(64, 64, frameRegistrationOptions({}));
    const steps = [];
    for (let i = 0; i < frames.count; i++) steps.push(est.push(await frames.readFrame(i), i));
    const given = await trackAtoms(atoms, { drift: 'frames', frameDrift: driftTrackFromSteps(steps, 'frames') }, 'atoms.csv', frames);
    expect(given.tracks.rows).toEqual(own.tracks.rows);
    expect(given.drift.rows).toEqual(own.drift.rows);
    expect(own.drift.rows.length).toBe(4);
    expect(Math.abs((own.drift.rows[3].dx as number) - 3.9)).toBeLessThan(0.2); // the registration found the drift
    const short = await estimateDriftFromFrames({ ...frames, count: 3 }, frameRegistrationOptions({}));
    await expect(trackAtoms(atoms, { drift: 'frames', frameDrift: short }, 'atoms.csv', frames)).rejects.toThrow(/^frameDrift: holds 3 frames, the movie 4/);
  });
});
