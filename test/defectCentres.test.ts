/**
 * Point defects as centres: complex names (single, pair, line, cluster), linking defects as particles
 * through drift and hops, the centre choice, and `track` + `classify` + `transitions` on a hand-made
 * MX2 run (atoms.csv + sites.csv with a vacancy that hops, one that becomes a double vacancy, and a
 * pair that forms).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyDefectComplexes, complexName, compositionName } from '../dynamics/configurations/defectComplexes.ts';
import { chooseDefectCentres, type AtomRecord } from '../dynamics/configurations/centres.ts';
import { defectsFromSites, defectTrackRows, trackDefects } from '../dynamics/tracking/defectTracks.ts';
import { honeycombLattice } from '../training/simulator/lattices/honeycomb.ts';
import { parseCsv, toCsv } from '../data/csvTable.ts';
import { AtomdynError } from '../data/errors.ts';
import { runCli } from './helpers/runCli.ts';

const A = 10; // lattice constant, px
const rec = (frame: number, x: number, y: number, element: string, particle: number | null = null, species = 'defect'): AtomRecord => ({ row: 0, frame, x, y, species, element, particle });

describe('defect complex names', () => {
  it('composition: alphabetical, counts above 1', () => {
    expect(compositionName(['vac_W', 'vac_Se', 'vac_Se'])).toBe('2vac_Se+vac_W');
    expect(compositionName(['V_Mo', 'vac_Mo'])).toBe('V_Mo+vac_Mo');
  });
  it('single, pair, line, cluster', () => {
    expect(complexName(['vac_Se2'], [0], [0], 1)).toBe('vac_Se2');
    expect(complexName(['vac_Se', 'vac_Se'], [0, 10], [0, 0], 1)).toBe('pair:2vac_Se');
    expect(complexName(['vac_Se', 'vac_Se', 'vac_Se', 'vac_Se'], [0, 10, 20, 30], [0, 0.2, -0.2, 0], 1)).toBe('line:4vac_Se');
    expect(complexName(['vac_Se', 'vac_Se', 'vac_Se'], [0, 10, 5], [0, 0, 8.66], 1)).toBe('cluster:3vac_Se');
  });
  it('a V dopant and a Mo vacancy never share a name', () => {
    expect(complexName(['V_Mo'], [0], [0], 1)).not.toBe(complexName(['vac_Mo'], [0], [0], 1));
  });
});

describe('classifyDefectComplexes', () => {
  it('joins defects within 1.1 lattice constants, names complexes, orders states by count', () => {
    const d = [
      rec(0, 0, 0, 'vac_Se', 1), rec(0, 50, 50, 'vac_Se', 2), rec(0, 50 + A, 50, 'vac_Se', 3),
      rec(1, 0, 0, 'vac_Se', 1), rec(1, 50, 50, 'vac_Se', 2), rec(1, 50 + 2.5 * A, 50, 'vac_Se', 3),
      rec(1, 100, 0, 'V_Mo', 4), rec(1, 100, 0 + A / Math.sqrt(3), 'vac_S', 5),
    ];
    const r = classifyDefectComplexes(d, A);
    expect(r.rows.map((x) => x.state_name)).toEqual(['vac_Se', 'pair:2vac_Se', 'pair:2vac_Se', 'vac_Se', 'vac_Se', 'vac_Se', 'pair:V_Mo+vac_S', 'pair:V_Mo+vac_S']);
    expect(r.classes.map((c) => [c.name, c.count])).toEqual([['vac_Se', 4], ['pair:2vac_Se', 2], ['pair:V_Mo+vac_S', 2]]);
    expect(r.rows.every((x) => x.state === r.classes.findIndex((c) => c.name === x.state_name))).toBe(true);
    expect(r.rows.map((x) => x.particle)).toEqual([1, 2, 3, 1, 2, 3, 4, 5]);
    expect(r.complexes.filter((c) => c.frame === 1).length).toBe(4);
  });
  it('refuses a missing lattice constant, naming --centre', () => {
    expect(() => classifyDefectComplexes([rec(0, 0, 0, 'vac_S')], NaN)).toThrow(AtomdynError);
  });
});

describe('chooseDefectCentres', () => {
  const defects = [rec(0, 0, 0, 'vac_Se'), rec(0, 5, 5, 'Mo_W')];
  const hostOnly = [rec(0, 1, 1, 'W', null, 'metal'), rec(0, 2, 2, 'Se2', null, 'chalcogen')];
  it('defects by default when the atoms hold no dopant; by name; never with --centre all', () => {
    expect(chooseDefectCentres(undefined, defects, hostOnly, null)).toHaveLength(2);
    expect(chooseDefectCentres('defects', defects, hostOnly, null)).toHaveLength(2);
    expect(chooseDefectCentres('vac_Se', defects, hostOnly, null)!.map((d) => d.element)).toEqual(['vac_Se']);
    expect(chooseDefectCentres('all', defects, hostOnly, null)).toBeNull();
    expect(chooseDefectCentres('metal', defects, hostOnly, null)).toBeNull();
    expect(() => chooseDefectCentres('defects', [], hostOnly, null)).toThrow(/no point defects/);
  });
  it('a real dopant species keeps the atoms as centres', () => {
    const withSi = [...Array.from({ length: 30 }, (_, i) => rec(0, i, 0, 'C', null, 'C')), rec(0, 40, 0, 'Si', null, 'Si')];
    expect(chooseDefectCentres(undefined, defects, withSi, null)).toBeNull();
  });
});

describe('trackDefects', () => {
  it('a vacancy that hops one lattice constant through a drift of 3 px per frame stays one particle; a far one starts a new particle', () => {
    const defects = [
      { frame: 0, x: 20, y: 20, defect: 'vac_Se', sublattice: 'chalcogen' },
      { frame: 1, x: 23 + A, y: 20, defect: 'vac_Se', sublattice: 'chalcogen' }, // hop by a, plus drift 3
      { frame: 2, x: 26 + A, y: 20, defect: 'vac_Se2', sublattice: 'chalcogen' }, // loses its second atom
      { frame: 2, x: 80, y: 80, defect: 'V_Mo', sublattice: 'metal' },
    ];
    const drift = new Map([[0, { dx: 0, dy: 0 }], [1, { dx: 3, dy: 0 }], [2, { dx: 6, dy: 0 }]]);
    const t = trackDefects(defects, { drift, latticeConstantPx: A, firstParticle: 100 });
    expect(Array.from(t.particle)).toEqual([100, 100, 100, 101]);
    expect(t.particleCount).toBe(2);
    expect(t.xCorr[2]).toBeCloseTo(20 + A, 10);
    const rows = defectTrackRows(defects, t, ['frame', 'x', 'y', 'species', 'element', 'particle', 'particle_species', 'x_corr', 'y_corr', 'x_pm', 'x_corr_pm'], 10);
    expect(rows[2]).toMatchObject({ species: 'defect', element: 'vac_Se2', particle: 100, particle_species: 'defect', x_corr: 30, x_pm: 360, x_corr_pm: 300 });
  });
  it('a chalcogen vacancy never continues as a metal defect one bond away', () => {
    const defects = [
      { frame: 0, x: 20, y: 20, defect: 'vac_S', sublattice: 'chalcogen' },
      { frame: 1, x: 20 + A / Math.sqrt(3), y: 20, defect: 'V_Mo', sublattice: 'metal' },
    ];
    const t = trackDefects(defects, { drift: new Map(), latticeConstantPx: A, firstParticle: 0 });
    expect(Array.from(t.particle)).toEqual([0, 1]);
    expect(t.particleCount).toBe(2);
  });
  it('reads defects and the lattice constant from a sites table', () => {
    const lat = honeycombLattice(A, 0, { x: 0, y: 0 }, { x0: 0, y0: 0, x1: 60, y1: 60 });
    const rows = Array.from({ length: lat.count }, (_, s) => ({ frame: 0, site: s, sublattice: lat.sublattice[s] ? 'chalcogen' : 'metal', x: lat.x[s], y: lat.y[s], occupancy: 1, defect: s === 7 ? 'vac_S' : null }));
    const r = defectsFromSites({ columns: ['frame', 'site', 'sublattice', 'x', 'y', 'occupancy', 'defect'], rows }, 'sites.csv');
    expect(r.latticeConstantPx).toBeCloseTo(A, 6);
    expect(r.defects).toEqual([{ frame: 0, x: lat.x[7], y: lat.y[7], defect: 'vac_S', sublattice: lat.sublattice[7] ? 'chalcogen' : 'metal' }]);
    expect(() => defectsFromSites({ columns: ['frame', 'x', 'y'], rows: [] }, 'sites.csv')).toThrow(/sites.csv.*missing column 'sublattice'/);
  });
});

describe('track + classify + transitions with MX2 point defects (hand-made run)', () => {
  it('defects enter tracks.csv as particles, classify names their complexes, transitions counts them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-defects-'));
    const loc = path.join(dir, 'locate');
    mkdirSync(loc);
    const lat = honeycombLattice(A, 0, { x: 5, y: 5 }, { x0: 0, y0: 0, x1: 95, y1: 95 });
    // chalcogen sites used by the defects: a vacancy that hops along a1, a pair that forms
    const chalc = Array.from({ length: lat.count }, (_, s) => s).filter((s) => lat.sublattice[s] === 1);
    const at = (x: number, y: number) => chalc.reduce((b, s) => (Math.hypot(lat.x[s] - x, lat.y[s] - y) < Math.hypot(lat.x[b] - x, lat.y[b] - y) ? s : b), chalc[0]);
    const s1 = at(30, 30), s1b = at(lat.x[s1] + A, lat.y[s1]), s2 = at(70, 70), s3 = at(lat.x[s2] + A, lat.y[s2]);
    const defectsOf = (f: number): Map<number, string> => new Map(f === 0 ? [[s1, 'vac_Se'], [s2, 'vac_Se']] : f === 1 ? [[s1b, 'vac_Se'], [s2, 'vac_Se']] : [[s1b, 'vac_Se2'], [s2, 'vac_Se'], [s3, 'vac_Se']]);
    const atoms: Array<Record<string, string | number | null>> = [];
    const sites: Array<Record<string, string | number | null>> = [];
    for (let f = 0; f < 3; f++) {
      const d = defectsOf(f);
      for (let s = 0; s < lat.count; s++) {
        const sub = lat.sublattice[s] ? 'chalcogen' : 'metal';
        sites.push({ frame: f, site: s, sublattice: sub, x: lat.x[s], y: lat.y[s], occupancy: d.get(s) === 'vac_Se2' ? 0 : d.has(s) ? 1 : lat.sublattice[s] ? 2 : 1, defect: d.get(s) ?? null, ratio: 1 });
        if (d.get(s) !== 'vac_Se2') atoms.push({ frame: f, x: lat.x[s], y: lat.y[s], species: sub, element: sub === 'metal' ? 'W' : 'Se2', confidence: 1 });
      }
    }
    writeFileSync(path.join(loc, 'atoms.csv'), toCsv({ columns: ['frame', 'x', 'y', 'species', 'element', 'confidence'], rows: atoms }));
    writeFileSync(path.join(loc, 'sites.csv'), toCsv({ columns: ['frame', 'site', 'sublattice', 'x', 'y', 'occupancy', 'defect', 'ratio'], rows: sites }));
    const tr = await runCli(['track', path.join(loc, 'atoms.csv'), '--drift', 'none', '--out', path.join(dir, 'track')]);
    expect(tr.status, tr.stderr).toBe(0);
    const tracks = parseCsv(readFileSync(path.join(dir, 'track', 'tracks.csv'), 'utf8'), 'tracks.csv');
    const defectRows = tracks.rows.filter((r) => r.species === 'defect');
    expect(defectRows.length).toBe(7);
    expect(new Set(defectRows.map((r) => r.particle)).size).toBe(3); // the hopping vacancy, the pair's first and second
    const maxAtom = Math.max(...tracks.rows.filter((r) => r.species !== 'defect').map((r) => r.particle as number));
    expect(Math.min(...defectRows.map((r) => r.particle as number))).toBe(maxAtom + 1);
    const cl = await runCli(['classify', path.join(dir, 'track', 'tracks.csv'), '--out', path.join(dir, 'classify')]);
    expect(cl.status, cl.stderr).toBe(0);
    const conf = parseCsv(readFileSync(path.join(dir, 'classify', 'configurations.csv'), 'utf8'), 'configurations.csv');
    const hopper = defectRows.find((r) => r.frame === 0 && Math.abs((r.x as number) - lat.x[s1]) < 1e-3)!.particle;
    expect(conf.rows.filter((r) => r.particle === hopper).map((r) => r.state_name)).toEqual(['vac_Se', 'vac_Se', 'vac_Se2']);
    expect(conf.rows.filter((r) => r.frame === 2 && r.particle !== hopper).map((r) => r.state_name)).toEqual(['pair:2vac_Se', 'pair:2vac_Se']);
    expect(JSON.parse(readFileSync(path.join(dir, 'classify', 'model.json'), 'utf8')).method).toBe('defect-complexes');
    const tn = await runCli(['transitions', path.join(dir, 'classify', 'configurations.csv'), '--out', path.join(dir, 'transitions')]);
    expect(tn.status, tn.stderr).toBe(0);
    const t = JSON.parse(readFileSync(path.join(dir, 'transitions', 'transitions.json'), 'utf8'));
    const i = t.states.indexOf('vac_Se'), j = t.states.indexOf('vac_Se2'), k = t.states.indexOf('pair:2vac_Se');
    expect(t.counts[i][j]).toBe(1); // the vacancy lost its second atom
    expect(t.counts[i][k]).toBe(1); // the vacancy that gained a neighbour
    expect(t.counts[i][i]).toBe(2);
  }, 60_000);
});

describe('no formula for a whole compound lattice', () => {
  it('with both MX2 host elements, host atoms form no complex; a foreign atom forms its own with its neighbours', async () => {
    const { analyseFrame } = await import('../dynamics/configurations/chemistry.ts');
    const lat = honeycombLattice(320, 0, { x: 0, y: 0 }, { x0: 0, y0: 0, x1: 2000, y1: 2000 });
    const atoms = Array.from({ length: lat.count }, (_, s) => ({ xPm: lat.x[s], yPm: lat.y[s], element: lat.sublattice[s] ? 'Se2' : 'W' }));
    const cut = new Map([['Se2-W', 230], ['Mo-Se2', 230]]);
    // the old default (one host, the most common element) made the whole lattice one complex
    expect(analyseFrame(atoms, cut).complexes.length).toBe(1);
    expect(analyseFrame(atoms, cut, ['W', 'Se2']).complexes.length).toBe(0);
    const mid = atoms.reduce((b, a, i) => (a.element === 'W' && Math.hypot(a.xPm - 1000, a.yPm - 1000) < Math.hypot(atoms[b].xPm - 1000, atoms[b].yPm - 1000) ? i : b), 0);
    atoms[mid] = { ...atoms[mid], element: 'Mo' };
    const c = analyseFrame(atoms, cut, ['W', 'Se2']).complexes;
    expect(c.map((x) => x.formula)).toEqual(['Mo1Se23']);
  });
});
