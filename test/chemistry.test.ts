/**
 * Tests of dynamics/configurations/chemistry.ts: bonds, coordination, ring sizes and formulas on ideal graphene
 * patches with known configurations, cut-offs from model cards.
 */
import { describe, expect, it } from 'vitest';
import { UndirectedGraph } from 'graphology';
import { connectedComponents } from 'graphology-components';
import { analyseFrame, findBonds, frameComplexes, grapheneSiCutoffs, ringSizes, formulaOf, cutoffsFromCard, hostElement, type ChemAtom } from '../dynamics/configurations/chemistry.ts';
import { Random } from '../data/random.ts';
import { configurationPatch } from '../training/simulator/syntheticConfigurations.ts';

function patch(kind: 'SiC3' | 'SiC4' | 'SiVac', r = 600): ChemAtom[] {
  return configurationPatch(kind, r).map((a) => ({ xPm: a.x, yPm: -a.y, element: a.element }));
}

describe('chemistry', () => {
  it('names the complexes of Si-C3, Si-C4 and Si next to a vacancy', () => {
    const cut = grapheneSiCutoffs();
    expect(analyseFrame(patch('SiC3'), cut).complexes.map((c) => c.formula)).toEqual(['Si1C3']);
    expect(analyseFrame(patch('SiC4'), cut).complexes.map((c) => c.formula)).toEqual(['Si1C4']);
    expect(analyseFrame(patch('SiVac'), cut).complexes.map((c) => c.formula)).toEqual(['Si1C2']);
  });

  it('gives coordination numbers and ring sizes: 3 and 6,6,6 in pristine graphene, 5-8 rings at a divacancy', () => {
    const atoms = patch('SiC4', 700);
    const ch = analyseFrame(atoms, grapheneSiCutoffs());
    const si = atoms.findIndex((a) => a.element === 'Si');
    expect(ch.coordination[si]).toBe(4);
    // a C far from the defect but well inside the patch
    const far = atoms.findIndex((a) => Math.hypot(a.xPm, a.yPm) > 380 && Math.hypot(a.xPm, a.yPm) < 450);
    expect(ch.coordination[far]).toBe(3);
    expect(ringSizes(ch.graph, far)).toEqual([6, 6, 6]);
    // the Si of the divacancy closes two pentagons (the hexagons that lost both C) and two hexagons
    expect(ringSizes(ch.graph, si)).toEqual([5, 5, 6, 6]);
    // Si next to a vacancy: two bonds, and the hexagon between them (the other side opens into the vacancy)
    const vac = patch('SiVac', 700);
    const cv = analyseFrame(vac, grapheneSiCutoffs());
    expect(ringSizes(cv.graph, vac.findIndex((a) => a.element === 'Si'))).toEqual([6]);
    expect(ch.host).toBe('C');
  });

  it('joins Si atoms bonded to each other, or sharing a C, into one complex; separates distant ones', () => {
    const cut = grapheneSiCutoffs();
    const L = 142;
    // a dimer: Si at two neighbouring sites of a patch
    const atoms = patch('SiC3', 600);
    const nb = atoms.findIndex((a) => a.element === 'C' && Math.hypot(a.xPm, a.yPm) < 170);
    atoms[nb] = { ...atoms[nb], element: 'Si', xPm: atoms[nb].xPm * (225 / 160), yPm: atoms[nb].yPm * (225 / 160) };
    const ch = analyseFrame(atoms, cut);
    expect(ch.complexes.length).toBe(1);
    expect(ch.complexes[0].composition.Si).toBe(2);
    // two substitutional Si far apart: two complexes with a shared id per complex
    const two = [
      { xPm: 0, yPm: 0, element: 'Si' },
      ...[0, 120, 240].map((d) => ({ xPm: 160 * Math.cos((d * Math.PI) / 180), yPm: 160 * Math.sin((d * Math.PI) / 180), element: 'C' })),
      { xPm: 1000, yPm: 0, element: 'Si' },
      ...[60, 180, 300].map((d) => ({ xPm: 1000 + 160 * Math.cos((d * Math.PI) / 180), yPm: 160 * Math.sin((d * Math.PI) / 180), element: 'C' })),
    ];
    const c2 = analyseFrame(two, cut, 'C');
    expect(c2.complexes.map((c) => c.formula)).toEqual(['Si1C3', 'Si1C3']);
    expect(Array.from(c2.complexOf)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(L).toBe(142);
  });

  it('writes formulas dopants first, then the host', () => {
    expect(formulaOf({ C: 6, Si: 2 }, 'C')).toBe('Si2C6');
    expect(formulaOf({ Si: 1, N: 1, C: 4 }, 'C')).toBe('N1Si1C4');
    expect(hostElement([{ xPm: 0, yPm: 0, element: 'C' }, { xPm: 0, yPm: 0, element: 'Si' }, { xPm: 0, yPm: 0, element: 'C' }])).toBe('C');
  });

  it('reads bond cut-offs from a model card (numbers, ranges, explicit cut-offs, species names)', () => {
    const c = cutoffsFromCard({ bondLengths: { 'C-C': 142, 'Si-C': [155, 195], 'metal-chalcogen': { cutoff: 300 } } }, { metal: 'W', chalcogen: 'Se2' })!;
    expect(c.get('C-C')).toBeCloseTo(177.5, 10);
    expect(c.get('C-Si')).toBeCloseTo(214.5, 10);
    expect(c.get('Se2-W')).toBe(300);
    expect(cutoffsFromCard({ lattice: 'graphene' })).toBeNull();
  });

  it('frameComplexes (union-find) gives the complexes, ids and order of connected components of the bond graph', () => {
    // reference: the components of the graph of non-host atoms and their bonds, sorted by smallest member
    const reference = (atoms: ChemAtom[], hosts: string[]) => {
      const sub = new UndirectedGraph();
      atoms.forEach((a, i) => {
        if (!hosts.includes(a.element)) sub.addNode(String(i));
      });
      for (const [i, j] of findBonds(atoms, grapheneSiCutoffs())) {
        if (hosts.includes(atoms[i].element) && hosts.includes(atoms[j].element)) continue;
        sub.mergeNode(String(i));
        sub.mergeNode(String(j));
        sub.mergeEdge(String(i), String(j));
      }
      return connectedComponents(sub).map((c) => c.map(Number).sort((a, b) => a - b)).sort((a, b) => a[0] - b[0]);
    };
    const rng = new Random(7);
    let merged = 0;
    for (let trial = 0; trial < 20; trial++) {
      // a patch with Si put on random sites, some next to each other, and a few atoms dropped
      const atoms = patch('SiC4', 900).filter(() => rng.uniform() > 0.03).map((a) => ({ ...a, element: rng.uniform() < 0.06 ? 'Si' : a.element }));
      const got = frameComplexes(atoms, grapheneSiCutoffs(), 'C');
      const ref = reference(atoms, ['C']);
      expect(got.complexes.map((c) => c.atoms)).toEqual(ref);
      expect(got.complexes.map((c) => c.id)).toEqual(ref.map((_, k) => k));
      const of = new Array(atoms.length).fill(-1);
      ref.forEach((members, k) => members.forEach((i) => (of[i] = k)));
      expect(Array.from(got.complexOf)).toEqual(of);
      expect(got.complexes.map((c) => c.formula)).toEqual(analyseFrame(atoms, grapheneSiCutoffs(), 'C').complexes.map((c) => c.formula));
      if (got.complexes.some((c) => c.atoms.filter((i) => atoms[i].element === 'Si').length > 1)) merged++;
    }
    expect(merged).toBeGreaterThan(5); // complexes of several Si were joined
  });
});
