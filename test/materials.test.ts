/** The one materials table (models/materials.ts): internal consistency and the callers that read it. */
import { describe, expect, it } from 'vitest';
import { ATOMIC_NUMBER, MATERIALS, LATTICE_CONSTANT_PM, atomicNumberOf, columnAtomicNumber, hostBondPm, materialFromElements, pointGroupForLattice } from '../models/materials.ts';
import { MX2_MATERIALS } from '../training/simulator/lattices/mx2.ts';
import { GRAPHENE_A_PM, GRAPHENE_BOND_PM } from '../training/simulator/lattices/graphene.ts';
import { atomicNumber } from '../training/simulator/atomModel.ts';
import { heaviestSpecies } from '../inference/locateFrame.ts';

describe('materials table', () => {
  it('has bond = a / sqrt(3) for every honeycomb material and the literature constants', () => {
    for (const m of Object.values(MATERIALS)) expect(m.bondPm).toBeCloseTo(m.aPm / Math.sqrt(3), 9);
    expect(MATERIALS.graphene.bondPm).toBe(142);
    expect(MATERIALS.WSe2.aPm).toBe(328.2);
    expect(LATTICE_CONSTANT_PM.MoS2).toBe(316);
    expect(Object.isFrozen(MATERIALS.WS2.sublattices)).toBe(true);
  });

  it('gives atomic numbers of elements and of column labels', () => {
    expect(atomicNumberOf('Si')).toBe(14);
    expect(atomicNumberOf('Xx')).toBeNull();
    expect(columnAtomicNumber('Se2')).toBe(68);
    expect(columnAtomicNumber('W')).toBe(74);
    expect(columnAtomicNumber('not an element')).toBe(0);
    expect(hostBondPm('C')).toBe(142);
    expect(hostBondPm('W')).toBeNull();
  });

  it('names point groups and materials', () => {
    expect(pointGroupForLattice('graphene')).toBe('6mm');
    expect(pointGroupForLattice('WSe2')).toBe('3m');
    expect(pointGroupForLattice('mx2')).toBe('3m');
    expect(pointGroupForLattice('SrTiO3 perovskite')).toBe('4mm');
    expect(pointGroupForLattice('unknown')).toBeNull();
    expect(materialFromElements({ metal: 'W', chalcogen: 'Se2' })).toBe('WSe2');
  });

  it('is what the simulator and locate read (no copies)', () => {
    expect(MX2_MATERIALS.WS2.aPm).toBe(MATERIALS.WS2.aPm);
    expect(MX2_MATERIALS.MoS2.metalDopants).toEqual([...MATERIALS.MoS2.dopants.metal]);
    expect(GRAPHENE_BOND_PM).toBe(MATERIALS.graphene.bondPm);
    expect(GRAPHENE_A_PM).toBe(MATERIALS.graphene.aPm);
    for (const [el, z] of Object.entries(ATOMIC_NUMBER)) expect(atomicNumber(el)).toBe(z);
    // a column of two Se (68) outweighs one Mo (42), one W (74) outweighs two Se
    const card = (els: string[]) => ({ species: els.map((element, i) => ({ name: `s${i}`, element })) }) as unknown as Parameters<typeof heaviestSpecies>[0];
    expect(heaviestSpecies(card(['Mo', 'Se2']))).toBe('s1');
    expect(heaviestSpecies(card(['W', 'Se2']))).toBe('s0');
  });
});
