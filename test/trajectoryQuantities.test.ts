/** Displacements, hops, dwell times, MSD and exchange pairing on hand-made trajectories. */
import { describe, expect, it } from 'vitest';
import { displacements, dwellTimes, findHops, groupTrajectories, meanSquaredDisplacement, pairExchanges } from '../dynamics/tracking/trajectoryQuantities.ts';
import { buildTrajectoryGraph, exchangesOfGraph, trajectoriesOfGraph } from '../dynamics/tracking/trajectoryGraph.ts';

// particle 0 (Si): sits at (0,0) frames 0-2, hops to (1,0) (frame 3), stays to frame 5, hops back to (0,0) at frame 7 (frame 6 missed)
// particle 1 (C): at (1,0) frames 0-2, moves to (0,0) in frame 3 (exchange partner), then stays
const rows = {
  frame: [0, 1, 2, 3, 4, 5, 7, 0, 1, 2, 3, 4],
  x: [0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0],
  y: [0, 0.1, 0, 0, 0.1, 0, 0, 0, 0, 0, 0, 0],
  particle: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
  species: ['Si', 'Si', 'Si', 'Si', 'Si', 'Si', 'Si', 'C', 'C', 'C', 'C', 'C'],
};

describe('trajectory quantities', () => {
  const trs = groupTrajectories(rows);

  it('groups rows into frame-ordered trajectories', () => {
    expect(trs.map((t) => t.particle)).toEqual([0, 1]);
    expect(Array.from(trs[0].frame)).toEqual([0, 1, 2, 3, 4, 5, 7]);
    expect(trs[0].species).toBe('Si');
    expect(() => groupTrajectories({ frame: [0, 0], x: [0, 1], y: [0, 0], particle: [3, 3] })).toThrow(/two observations/);
  });

  it('computes displacements with their lags', () => {
    const d = displacements(trs[0]);
    expect(Array.from(d.lag)).toEqual([1, 1, 1, 1, 1, 2]);
    expect(Array.from(d.dx)).toEqual([0, 0, 1, 0, 0, -1]);
    expect(d.distance[0]).toBeCloseTo(0.1, 12);
    expect(Array.from(d.frame)).toEqual([1, 2, 3, 4, 5, 7]);
  });

  it('finds hops with frame, position and dwell time', () => {
    const h = findHops(trs[0], 0.5);
    expect(h).toHaveLength(2);
    expect(h[0]).toMatchObject({ particle: 0, species: 'Si', frame: 3, fromFrame: 2, xFrom: 0, xTo: 1, distance: 1, dwellFrames: 3, dwellCensored: true });
    expect(h[1]).toMatchObject({ frame: 7, fromFrame: 5, xFrom: 1, xTo: 0, dwellFrames: 4, dwellCensored: false });
    const dw = dwellTimes(trs[0], h);
    // [0,3) censored, [3,7) complete, [7,8) censored
    expect(dw).toEqual({ frames: [3, 4, 1], censored: [true, false, true] });
    expect(dwellTimes(trs[1], findHops(trs[1], 0.5))).toEqual({ frames: [3, 2], censored: [true, true] });
  });

  it('computes the ensemble MSD over all pairs at each lag', () => {
    const one = groupTrajectories({ frame: [0, 1, 2, 4], x: [0, 1, 3, 3], y: [0, 0, 0, 4], particle: [0, 0, 0, 0] });
    const m = meanSquaredDisplacement(one, 3);
    // lag 1: (0->1) 1, (1->2) 4 -> 2.5; lag 2: (0->2) 9, (2->4) 16 -> 12.5; lag 3: (1->4) 4 + 16 = 20
    expect(Array.from(m.msd)).toEqual([2.5, 12.5, 20]);
    expect(Array.from(m.count)).toEqual([2, 2, 1]);
    expect(Number.isNaN(meanSquaredDisplacement(one, 5).msd[4])).toBe(true);
    expect(() => meanSquaredDisplacement(one, 0)).toThrow(RangeError);
  });

  it('pairs a dopant hop with the host atom that took its place', () => {
    const hops = [...findHops(trs[0], 0.5), ...findHops(trs[1], 0.5)];
    expect(pairExchanges(hops, 0.3)).toEqual([[0, 2]]);
  });
});

describe('trajectory graph', () => {
  it('has one node per detection, link edges along trajectories and an exchange edge', () => {
    const g = buildTrajectoryGraph(rows, { hopThreshold: 0.5 });
    expect(g.order).toBe(12);
    expect(trajectoriesOfGraph(g)).toEqual([[0, 1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11]]);
    const links = g.filterEdges((_e, a) => a.kind === 'link');
    expect(links).toHaveLength(6 + 4);
    expect(g.filterEdges((_e, a) => a.hop)).toHaveLength(3);
    expect(exchangesOfGraph(g)).toEqual([{ frame: 3, particles: [0, 1], rows: [3, 10] }]);
    // without a hop threshold: no hops, no exchanges
    expect(exchangesOfGraph(buildTrajectoryGraph(rows))).toEqual([]);
  });
});
