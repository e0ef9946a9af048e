/** Tests of dynamics/configurations/neighbourDescriptors.ts: vectors and species, matched ordering, lattice orientation. */
import { describe, expect, it } from 'vitest';
import { describeNeighbours, matchToTemplate, alignToCommonTemplate, latticeOrientation, selectChannels, type SpeciesPoint } from '../dynamics/configurations/neighbourDescriptors.ts';
import { configurationPatch } from '../training/simulator/syntheticConfigurations.ts';
import { Random } from '../data/random.ts';

const spec = { k: 4, rMax: 215, speciesChannels: ['Si'], speciesWeight: 100 };

describe('describeNeighbours', () => {
  it('gives y-up vectors to the nearest neighbours with species channels, empty slots beyond rMax', () => {
    const pts: SpeciesPoint[] = [
      { x: 500, y: 500, species: 'Si' },
      { x: 500, y: 340, species: 'C' }, // 160 above on screen: +y
      { x: 690, y: 500, species: 'C' }, // 190 right
      { x: 500, y: 725, species: 'Si' }, // 225 below: beyond Si-C radius but within Si-Si
      { x: 260, y: 500, species: 'C' }, // 240 left: beyond rMax
    ];
    const [d] = describeNeighbours(pts, [0], { ...spec, rMax: 240, radiusBySpecies: { C: 215, Si: 240 } });
    expect(d.count).toBe(3);
    expect(Array.from(d.values)).toEqual([0, 160, 0, 190, 0, 0, 0, -225, 100, 0, 0, 0]);
    expect(Array.from(d.neighbours)).toEqual([1, 2, 3, -1]);
    // rotating into the lattice frame: lattice at +90° turns the 'up' neighbour to +x
    const [r] = describeNeighbours(pts, [0], { ...spec, rMax: 200 }, Math.PI / 2);
    expect(r.values[0]).toBeCloseTo(160, 9);
    expect(r.values[1]).toBeCloseTo(0, 9);
    expect(Array.from(selectChannels([d.values], 4, 3, [])[0])).toEqual([0, 160, 190, 0, 0, -225, 0, 0]);
  });

  it('keeps each physical neighbour in its slot under noise by matching, where sorting by distance shuffles them', () => {
    const rng = new Random(3);
    const template = Float64Array.from([160, 0, 0, -80, 138.6, 0, -80, -138.6, 0, 0, 0, 0]);
    let sortedSame = 0;
    let matchedSame = 0;
    const out = new Float64Array(12);
    const perm = new Int32Array(4);
    for (let t = 0; t < 200; t++) {
      // three equal bonds with 6 pm jitter, listed in random order as a detector would
      const atoms = [0, 120, 240].map((deg, id) => ({ id, x: 160 * Math.cos((deg * Math.PI) / 180) + 6 * rng.normal(), y: 160 * Math.sin((deg * Math.PI) / 180) + 6 * rng.normal() }));
      rng.shuffle(atoms);
      const pts: SpeciesPoint[] = [{ x: 0, y: 0, species: 'Si' }, ...atoms.map((a) => ({ x: a.x, y: -a.y, species: 'C' }))];
      const [d] = describeNeighbours(pts, [0], spec);
      const ids = Array.from(d.neighbours).map((n) => (n < 0 ? -1 : atoms[n - 1].id));
      if (ids[0] === 0 && ids[1] === 1 && ids[2] === 2) sortedSame++;
      matchToTemplate(d.values, template, 4, 3, out, undefined, perm);
      const mids = Array.from(perm).map((p) => ids[p]);
      if (mids[0] === 0 && mids[1] === 1 && mids[2] === 2 && mids[3] === -1) matchedSame++;
    }
    expect(matchedSame).toBe(200);
    expect(sortedSame).toBeLessThan(80); // about 1 in 6 by chance
  });

  it('puts many descriptors into one slot order', () => {
    const rng = new Random(5);
    const base = [[150, 20], [-60, 140], [-90, -130]];
    const descs = Array.from({ length: 30 }, () => {
      const order = rng.shuffle([0, 1, 2]);
      const v = new Float64Array(8);
      order.forEach((o, slot) => {
        v[slot * 2] = base[o][0] + 4 * rng.normal();
        v[slot * 2 + 1] = base[o][1] + 4 * rng.normal();
      });
      return v;
    });
    const { aligned, template } = alignToCommonTemplate(descs, 4, 2);
    for (const a of aligned) for (let s = 0; s < 3; s++) expect(Math.hypot(a[s * 2] - template[s * 2], a[s * 2 + 1] - template[s * 2 + 1])).toBeLessThan(25);
  });
});

describe('latticeOrientation', () => {
  it('measures the rotation of a graphene patch modulo 60 degrees', () => {
    const rng = new Random(8);
    for (const deg of [0, 13, 47.5, 59, 101]) {
      const t = (deg * Math.PI) / 180;
      const pts: SpeciesPoint[] = configurationPatch('SiC3', 700).map((a) => {
        const x = Math.cos(t) * a.x - Math.sin(t) * a.y + 3 * rng.normal();
        const y = Math.sin(t) * a.x + Math.cos(t) * a.y + 3 * rng.normal();
        return { x, y: -y, species: a.element };
      });
      const lo = latticeOrientation(pts, (i) => pts[i].species === 'C', 180, 6);
      const expected = deg % 60;
      const diff = Math.abs(((lo.angleRad * 180) / Math.PI - expected + 90) % 60 - 30);
      expect(diff).toBeLessThan(1);
      expect(lo.strength).toBeGreaterThan(0.9);
      expect(lo.bonds).toBeGreaterThan(50);
    }
    const none = latticeOrientation([{ x: 0, y: 0, species: 'Si' }], () => false, 180, 6);
    expect(none.bonds).toBe(0);
    expect(none.strength).toBe(0);
  });
});
