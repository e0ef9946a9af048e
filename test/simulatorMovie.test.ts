import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Random } from '../data/random.ts';
import { DEFAULT_TRANSITION_MODEL, parseTransitionModel, stepDopant, type KineticDopant, type TransitionModel } from '../training/simulator/dopantKinetics.ts';
import { grapheneSheet } from '../training/simulator/lattices/graphene.ts';
import { DEFAULT_IMAGING } from '../training/simulator/simulateImage.ts';
import { simulateMovie } from '../training/simulator/simulateMovie.ts';

describe('transition models', () => {
  it('parse inline JSON, a bare matrix and a file, and reject malformed ones with the source named', () => {
    const m = parseTransitionModel('{"states":["si-c3","si-c4"],"matrix":[[0.8,0.2],[0.5,0.5]],"hop":0.1}');
    expect(m.states).toEqual(['si-c3', 'si-c4']);
    expect(m.hop).toBe(0.1);
    expect(parseTransitionModel('[[1,0],[0.5,0.5]]').states).toEqual(['si-c3', 'si-vacancy']);
    const dir = mkdtempSync(path.join(tmpdir(), 'atomdyn-km-'));
    const file = path.join(dir, 'm.json');
    writeFileSync(file, JSON.stringify(DEFAULT_TRANSITION_MODEL));
    expect(parseTransitionModel(file).matrix).toEqual(DEFAULT_TRANSITION_MODEL.matrix);
    expect(() => parseTransitionModel('[[0.9,0.2],[0.5,0.5]]')).toThrow(/^kinetics: matrix row 0 \(si-c3\) sums to 1.1/);
    expect(() => parseTransitionModel('{"states":["si-c5"],"matrix":[[1]]}')).toThrow(/unknown state 'si-c5'/);
    expect(() => parseTransitionModel('{"states":["si-c3"],"matrix":[[1]],"hop":2}')).toThrow(/"hop"/);
    writeFileSync(file, '{"states": [');
    expect(() => parseTransitionModel(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
    expect(() => parseTransitionModel('no-such-file.json')).toThrow(/neither inline JSON nor an existing file/);
  });
});

describe('dopant kinetics', () => {
  const sheet = grapheneSheet({ x0: -1500, y0: -1500, x1: 1500, y1: 1500 }, 0, { x: 0, y: 0 });
  let centre = 0;
  for (let s = 0; s < sheet.lattice.count; s++) if (Math.hypot(sheet.lattice.x[s], sheet.lattice.y[s]) < Math.hypot(sheet.lattice.x[centre], sheet.lattice.y[centre])) centre = s;

  it('follow the transition matrix (empirical counts over a long chain)', () => {
    const model: TransitionModel = { ...DEFAULT_TRANSITION_MODEL, hop: 0 };
    const rng = new Random(5);
    let d: KineticDopant = { particle: 0, state: 0, site: centre, orientation: 0 };
    const counts = model.states.map(() => model.states.map(() => 0));
    // the dopant may wander onto neighbouring sites (si-c4 -> A or B); keep it near the centre
    const near = (s: number) => Math.hypot(sheet.lattice.x[s], sheet.lattice.y[s]) < 700;
    for (let t = 0; t < 20000; t++) {
      const next = stepDopant(model, d, sheet, rng, near);
      counts[d.state][next.state]++;
      d = next;
    }
    counts.forEach((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(2000);
      row.forEach((c, j) => expect(Math.abs(c / total - model.matrix[i][j])).toBeLessThan(0.02));
    });
  });

  it('hop an si-c3 Si onto a neighbouring site with the given probability, unless the site is not allowed', () => {
    const model: TransitionModel = { states: ['si-c3'], matrix: [[1]], hop: 0.3 };
    const rng = new Random(8);
    let hops = 0;
    for (let t = 0; t < 4000; t++) {
      const d: KineticDopant = { particle: 0, state: 0, site: centre, orientation: 0 };
      const n = stepDopant(model, d, sheet, rng, () => true);
      if (n.site !== centre) {
        hops++;
        expect(Math.hypot(sheet.lattice.x[n.site] - sheet.lattice.x[centre], sheet.lattice.y[n.site] - sheet.lattice.y[centre])).toBeCloseTo(142, 6);
      }
      expect(stepDopant(model, d, sheet, rng, () => false).site).toBe(centre);
    }
    expect(Math.abs(hops / 4000 - 0.3)).toBeLessThan(0.025);
  });
});

describe('movie simulator', () => {
  const opts = (seed: number) => ({
    specimen: { lattice: 'graphene' as const },
    frame: { width: 72, height: 64, pixelSizePm: 16 },
    imaging: { ...DEFAULT_IMAGING, doseEPerA2: 5e6 },
    frames: 6,
    drift: { velocityPx: { x: 0.8, y: -0.5 }, randomWalkPx: 0.1 },
    kinetics: { model: { ...DEFAULT_TRANSITION_MODEL, matrix: [[0.5, 0.5, 0], [0.3, 0.4, 0.3], [0, 0.5, 0.5]], hop: 0.2 }, dopants: 2, minSeparationPm: 500 },
    seed,
  });

  it('writes the true states and positions, consistent with the labels and the drift', () => {
    const m = simulateMovie(opts(3));
    expect(m.frames).toHaveLength(6);
    expect(m.truth).toHaveLength(12);
    expect(m.drift[0]).toEqual({ frame: 0, dx: 0, dy: 0 });
    const formula = { 'si-c3': 'Si1C3', 'si-vacancy': 'Si1C2', 'si-c4': 'Si1C4' } as Record<string, string>;
    const states = new Set<string>();
    for (const r of m.truth) {
      states.add(r.state);
      expect(r.formula).toBe(formula[r.state]);
      const si = m.frames[r.frame].atoms.filter((a) => a.species === 'Si');
      if (r.inView) expect(Math.min(...si.map((a) => Math.hypot(a.x - r.x, a.y - r.y)))).toBeLessThan(1e-6);
    }
    expect(states.size).toBeGreaterThan(1);
    // C atoms (same lattice site) move with the true drift, up to the within-frame drift across rows
    for (let f = 1; f < 6; f++) {
      const first = new Map(m.frames[0].atoms.filter((a) => a.species === 'C').map((a) => [a.site, a]));
      const dxs: number[] = [];
      const dys: number[] = [];
      for (const a of m.frames[f].atoms) {
        const b = first.get(a.site);
        if (!b || a.species !== 'C') continue;
        // remove the atom's own relaxation displacement (dopants change state and hop)
        dxs.push(a.x - b.x - (a.xPm - b.xPm) / 16);
        dys.push(a.y - b.y - (a.yPm - b.yPm) / 16);
      }
      const mean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
      expect(dxs.length).toBeGreaterThan(20);
      expect(Math.abs(mean(dxs) - m.drift[f].dx)).toBeLessThan(0.15);
      expect(Math.abs(mean(dys) - m.drift[f].dy)).toBeLessThan(0.15);
    }
    expect(m.drift[5].dx).toBeGreaterThan(2);
    expect(m.drift[5].dy).toBeLessThan(-1);
  });

  it('is reproducible for a seed and differs between seeds', () => {
    const a = simulateMovie(opts(4));
    const b = simulateMovie(opts(4));
    const c = simulateMovie(opts(5));
    expect(JSON.stringify(a.truth)).toBe(JSON.stringify(b.truth));
    expect(Buffer.from(a.frames[5].image.buffer).equals(Buffer.from(b.frames[5].image.buffer))).toBe(true);
    expect(JSON.stringify(a.truth)).not.toBe(JSON.stringify(c.truth));
  });

  it('refuses kinetics off graphene and too many dopants for the field', () => {
    expect(() => simulateMovie({ ...opts(1), specimen: { lattice: 'WSe2' } })).toThrow(/^kinetics: dopant kinetics are simulated for graphene only/);
    expect(() => simulateMovie({ ...opts(1), kinetics: { ...opts(1).kinetics, dopants: 40, minSeparationPm: 800 } })).toThrow(/^dopants: cannot place 40 dopants/);
  });
});
