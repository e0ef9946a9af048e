/** Tests of dynamics/configurations/pointGroups.ts: group axioms against the 2x2 matrices, permutations, stabilisers, cosets. */
import { describe, expect, it } from 'vitest';
import { pointGroup, projectedPointGroup, composeOps, inverseOp, applyOp, opPermutation, stabiliser, poseCosets, latticeDirectionMultiplicity } from '../dynamics/configurations/pointGroups.ts';

function mul(a: readonly number[], b: readonly number[]): number[] {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}

function polar(degs: number[], r: number): number[] {
  return degs.flatMap((d) => [r * Math.cos((d * Math.PI) / 180), r * Math.sin((d * Math.PI) / 180)]);
}

describe('pointGroup', () => {
  it('parses the 2-D point groups with the right orders', () => {
    const orders: Record<string, number> = { '1': 1, '2': 2, '3': 3, '4': 4, '6': 6, m: 2, '2mm': 4, '3m': 6, '4mm': 8, '6mm': 12, '72mm': 144 };
    for (const [name, n] of Object.entries(orders)) {
      const g = pointGroup(name);
      expect(g.ops.length).toBe(n);
      expect(g.name).toBe(name);
    }
    for (const bad of ['5x', '6m', '3mm', '0', '400', 'p6mm']) expect(() => pointGroup(bad)).toThrow(RangeError);
  });

  it('composes and inverts as its matrices multiply (6mm, 3m, 4mm)', () => {
    for (const name of ['6mm', '3m', '4mm', '6']) {
      const g = pointGroup(name);
      for (const a of g.ops) {
        expect(composeOps(g, a.index, inverseOp(g, a.index))).toBe(0);
        const det = a.matrix[0] * a.matrix[3] - a.matrix[1] * a.matrix[2];
        expect(det).toBeCloseTo(a.mirror ? -1 : 1, 12);
        for (const b of g.ops) {
          const c = g.ops[composeOps(g, a.index, b.index)];
          mul(a.matrix, b.matrix).forEach((v, i) => expect(c.matrix[i]).toBeCloseTo(v, 12));
        }
      }
    }
  });

  it('rotates counter-clockwise on screen for y-up vectors, copying species channels', () => {
    const g = pointGroup('4');
    const v = applyOp(g.ops[1], [1, 0, 7], 3);
    expect(v[0]).toBeCloseTo(0, 12);
    expect(v[1]).toBeCloseTo(1, 12);
    expect(v[2]).toBe(7);
    const m = applyOp(pointGroup('m').ops[1], [1, 2], 2);
    expect(Array.from(m)).toEqual([1, -2]);
  });

  it('permutes the neighbours of a symmetric pattern', () => {
    const g = pointGroup('6mm');
    const tri = polar([0, 120, 240], 160);
    expect(Array.from(opPermutation(g.ops[2], tri))).toEqual([1, 2, 0]); // R120: 0° -> 120°, ...
    expect(Array.from(opPermutation(g.ops[6], tri))).toEqual([0, 2, 1]); // mirror across x: 120° <-> 240°
  });

  it('finds the own symmetry of Si-C3 (3m), Si-C4 (2mm) and Si next to a vacancy (m), and their orientations', () => {
    const g = pointGroup('6mm');
    const rms = (v: number[]) => (h: number) => {
      const t = applyOp(g.ops[h], v);
      const p = opPermutation(g.ops[h], v);
      let s = 0;
      for (let i = 0; i < v.length / 2; i++) s += (t[2 * i] - v[2 * p[i]]) ** 2 + (t[2 * i + 1] - v[2 * p[i] + 1]) ** 2;
      return Math.sqrt(s / (v.length / 2));
    };
    const sic3 = polar([0, 120, 240], 160);
    const sic4 = polar([40.9, 139.1, 220.9, 319.1], 190);
    const sivac = polar([120, 240], 175);
    const h3 = stabiliser(g, rms(sic3), 1);
    const h4 = stabiliser(g, rms(sic4), 1);
    const hv = stabiliser(g, rms(sivac), 1);
    expect(h3.length).toBe(6);
    expect(h4.length).toBe(4);
    expect(hv.length).toBe(2);
    // orientations: |G| / |H|
    expect(poseCosets(g, h3).representatives.length).toBe(2);
    expect(poseCosets(g, h4).representatives.length).toBe(3);
    expect(poseCosets(g, hv).representatives.length).toBe(6);
    // representatives avoid mirrors where possible: Si-C3 at 0 and 60 degrees
    expect(poseCosets(g, h3).representatives.map((r) => [g.ops[r].rotationDeg, g.ops[r].mirror])).toEqual([[0, false], [60, false]]);
    // a chiral pattern keeps a mirror flag
    const chiral = polar([0, 100], 160);
    const hc = stabiliser(g, rms(chiral), 1);
    expect(hc).toEqual([0]);
    expect(poseCosets(g, hc).representatives.filter((r) => g.ops[r].mirror).length).toBe(6);
  });

  it('projects the 3-D point groups of model cards along the beam', () => {
    expect(projectedPointGroup('6/mmm')).toBe('6mm');
    expect(projectedPointGroup('-6m2')).toBe('3m');
    expect(projectedPointGroup('4/mmm')).toBe('4mm');
    expect(projectedPointGroup('3m')).toBe('3m');
    expect(projectedPointGroup('p6mm')).toBeNull();
  });

  it('measures lattice directions modulo 60 degrees for hexagonal groups, 90 for square', () => {
    expect(latticeDirectionMultiplicity(pointGroup('6mm'))).toBe(6);
    expect(latticeDirectionMultiplicity(pointGroup('3m'))).toBe(6);
    expect(latticeDirectionMultiplicity(pointGroup('4mm'))).toBe(4);
    expect(latticeDirectionMultiplicity(pointGroup('1'))).toBe(1);
  });
});
