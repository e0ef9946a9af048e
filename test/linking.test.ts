/**
 * Known-answer linking tests, modelled on trackpy's test_linking.py (steppers, gapped steppers,
 * random walkers, subnet cases, the unlinked-cost boundary, memory, a contracting grid), plus the
 * species-aware cases. Every result is checked as a partition of the detections (labels may differ).
 */
import { describe, expect, it } from 'vitest';
import { link, linkIter, Linker, type FrameDetections } from '../dynamics/tracking/linking.ts';
import { samePartition } from '../evaluation/trackingMetrics.ts';
import { Random } from '../data/random.ts';
import { AtomdynError } from '../data/errors.ts';

type Row = [frame: number, x: number, y: number];

function run(rows: Row[], searchRange: number, opts: { memory?: number } = {}): Int32Array {
  return link({ frame: rows.map((r) => r[0]), x: rows.map((r) => r[1]), y: rows.map((r) => r[2]) }, { searchRange, ...opts }).particle;
}

function steps(n: number, y: number, first = 0): Row[] {
  return Array.from({ length: n }, (_, i) => [first + i, i, y] as Row);
}

describe('linking: steppers', () => {
  it('links one trivial stepper into one particle', () => {
    const p = run(steps(5, 1), 5);
    expect(new Set(p).size).toBe(1);
    expect(p[0]).toBe(0);
  });

  it('links two isolated steppers, the second starting one frame later, in any row order', () => {
    const rows = [...steps(5, 1), ...steps(4, 26, 1).map(([f, x, y]) => [f, x + 1, y] as Row)];
    const truth = [0, 0, 0, 0, 0, 1, 1, 1, 1];
    expect(samePartition(run(rows, 5), truth)).toBe(true);
    const rng = new Random(0);
    const perm = rng.shuffle(rows.map((_, i) => i));
    const p = run(perm.map((i) => rows[i]), 5);
    expect(samePartition(p, perm.map((i) => truth[i]))).toBe(true);
  });

  it('splits a gapped stepper without memory and joins it with memory 1', () => {
    const a = steps(5, 1).filter((r) => r[0] !== 3);
    const b = steps(4, 26, 1);
    const rows = [...a, ...b];
    expect(samePartition(run(rows, 5), [0, 0, 0, 2, 1, 1, 1, 1])).toBe(true);
    expect(samePartition(run(rows, 5, { memory: 1 }), [0, 0, 0, 0, 1, 1, 1, 1])).toBe(true);
  });

  it('handles two nearby steppers (2 px apart, search range 5) with a gap', () => {
    const a = steps(5, 1).filter((r) => r[0] !== 3);
    const b = steps(4, 3, 1).map(([f, x, y]) => [f, x + 1, y] as Row);
    const rows = [...a, ...b];
    expect(samePartition(run(rows, 5), [0, 0, 0, 2, 1, 1, 1, 1])).toBe(true);
    expect(samePartition(run(rows, 5, { memory: 1 }), [0, 0, 0, 0, 1, 1, 1, 1])).toBe(true);
  });

  it('starts at a frame other than zero', () => {
    expect(new Set(run(steps(5, 1, 3), 5)).size).toBe(1);
  });

  it('breaks a track at a blank frame without memory', () => {
    const rows: Row[] = [0, 1, 2, 4, 5].map((f, i) => [f, i, 1]);
    expect(samePartition(run(rows, 5), [0, 0, 0, 1, 1])).toBe(true);
    expect(samePartition(run(rows, 5, { memory: 1 }), [0, 0, 0, 0, 0])).toBe(true);
  });

  it('tracks 16 particles moving diagonally through a column (trackpy easy and pathological cases)', () => {
    for (const shift of [0, 1]) {
      const rows: Row[] = [];
      const truth: number[] = [];
      for (let j = 0; j < 5; j++) for (let k = 0; k < 16; k++) {
        rows.push([j, j, 2 * k + j * shift]);
        truth.push(k);
      }
      expect(samePartition(run(rows, shift ? 8 : 1.5), truth)).toBe(true);
    }
  });
});

describe('linking: the unlinked cost (search_range squared) and its boundary', () => {
  it('links a step of exactly the search range, not one just above; just below links', () => {
    const unit = steps(5, 5);
    expect(new Set(run(unit, 1)).size).toBe(1);
    expect(new Set(run(unit, 1 - 1e-12)).size).toBe(5);
    expect(new Set(run(unit, 1 + 1e-12)).size).toBe(1);
    expect(new Set(run(unit, 0.9)).size).toBe(5);
    // a 3-4-5 step: d^2 = 25 exactly
    const diag: Row[] = [[0, 0, 0], [1, 3, 4]];
    expect(new Set(run(diag, 5)).size).toBe(1);
    expect(new Set(run(diag, 4.999999)).size).toBe(2);
  });

  it('prefers one short link plus an unlinked penalty over two long links when search_range^2 is small (trackpy test_penalty)', () => {
    // A(0,0), B(8,0) -> C(7,8), D(15,8). Two links cost 2 * 113 = 226; B->C alone costs 65 + R^2.
    const rows: Row[] = [[0, 0, 0], [0, 8, 0], [1, 7, 8], [1, 15, 8]];
    expect(samePartition(run(rows, 13), [0, 1, 0, 1])).toBe(true); // 65 + 169 = 234 > 226
    expect(samePartition(run(rows, 12), [0, 1, 1, 2])).toBe(true); // 65 + 144 = 209 < 226
    // boundary: R^2 = 161 makes both 226; the tie-break (unlinked costs R^2 (1 + 1e-9)) gives two links
    expect(samePartition(run(rows, Math.sqrt(161)), [0, 1, 0, 1])).toBe(true);
  });

  it('adds displacements in quadrature (trackpy test_quadrature_distances / _sum)', () => {
    for (const eps of [1, -1]) {
      // A(6,0), B(14+eps, 8) -> C(8,0), D(0,8)
      const rows: Row[] = [[0, 6, 0], [0, 14 + eps, 8], [1, 8, 0], [1, 0, 8]];
      expect(samePartition(run(rows, 20), eps > 0 ? [0, 1, 1, 0] : [0, 1, 0, 1])).toBe(true);
      const rows2: Row[] = [[0, 10, 30], [0, 10, 0], [1, 0, 20], [1, 30, 20 + eps]];
      expect(samePartition(run(rows2, 30), eps > 0 ? [0, 1, 1, 0] : [0, 1, 0, 1])).toBe(true);
    }
  });
});

describe('linking: random walkers', () => {
  function walkers(seed: number, starts: Array<[number, number]>, n: number, sigma: number) {
    const rng = new Random(seed);
    const rows: Row[] = [];
    const truth: number[] = [];
    starts.forEach(([x0, y0], k) => {
      let x = x0;
      let y = y0;
      for (let f = k; f < n; f++) {
        rows.push([f, x, y]);
        truth.push(k);
        x += sigma * rng.normal();
        y += sigma * rng.normal();
      }
    });
    return { rows, truth };
  }

  it('links isolated continuous random walks (each starting one frame later)', () => {
    const { rows, truth } = walkers(1, [[100, 100], [200, 100], [100, 200], [200, 200]], 30, 1);
    expect(samePartition(run(rows, 5), truth)).toBe(true);
  });

  it('links nearby random walkers whose paths stay apart', () => {
    const { rows, truth } = walkers(0, [[10, 11], [10, 18], [14, 15], [20, 21], [13, 4], [3, 10], [17, 9]], 30, 0.4);
    // precondition: every step is within range, and no walker comes closer to another than the
    // longest step plus the search range (so the truth is the unique optimum)
    const R = 2;
    for (let i = 0; i < rows.length; i++) {
      for (let j = 0; j < rows.length; j++) {
        if (rows[i][0] === rows[j][0] && truth[i] !== truth[j]) expect(Math.hypot(rows[i][1] - rows[j][1], rows[i][2] - rows[j][2])).toBeGreaterThan(2.2);
        if (rows[j][0] === rows[i][0] + 1 && truth[i] === truth[j]) expect(Math.hypot(rows[i][1] - rows[j][1], rows[i][2] - rows[j][2])).toBeLessThan(R);
      }
    }
    expect(samePartition(run(rows, R), truth)).toBe(true);
  });
});

describe('linking: memory', () => {
  const randomX = [0, 1.3, 0.4, 2.1, 1.7];
  const unit = steps(5, 5);
  const walk: Row[] = randomX.map((x, f) => [f, x, 0]);

  it('closes a one-frame gap of a random walk with memory 2, not with memory 0', () => {
    const rows = [...unit, ...walk.filter((r) => r[0] !== 2)];
    const safe = 1 + Math.max(...randomX) - Math.min(...randomX);
    expect(new Set(run(rows, safe)).size).toBe(3);
    expect(new Set(run(rows, safe, { memory: 2 })).size).toBe(2);
  });

  it('does not keep a resumed track in memory twice (trackpy test_memory_removal)', () => {
    const rows: Row[] = [[0, 1, 1], [0, 4, 1], [1, 1, 1], [2, 1, 1], [2, 2, 1], [3, 1, 1], [3, 2, 1], [3, 4, 1]];
    const p = run(rows, 5, { memory: 2 });
    expect(new Set(p).size).toBe(3);
    // frame 2: the remembered track at x=4 resumes at x=2 (cost 4) rather than displacing the
    // other (0 + 4 < 1 + 9); frame 3: the detection at x=4 starts a third track
    expect(samePartition(p, [0, 1, 0, 0, 1, 0, 1, 2])).toBe(true);
  });

  it('links a late reappearance only when memory covers the gap', () => {
    const rows = [...unit, ...walk.filter((r) => r[0] === 1 || r[0] === 4)];
    const safe = 1 + Math.max(...randomX) - Math.min(...randomX);
    expect(new Set(run(rows, safe, { memory: 1 })).size).toBe(3);
    expect(new Set(run(rows, safe, { memory: 2 })).size).toBe(2);
    expect(new Set(run(rows, safe, { memory: 4 })).size).toBe(2);
  });
});

describe('linking: a contracting grid (one large sub-network)', () => {
  it('loses the outermost ring and starts new tracks at |x| or |y| = 9, as the optimum of the squared-distance cost', () => {
    const rows: Row[] = [];
    for (let i = -10; i <= 10; i++) for (let j = -10; j <= 10; j++) rows.push([0, 2 * i, 2 * j]);
    for (let i = -10; i <= 10; i++) for (let j = -10; j <= 10; j++) rows.push([1, 1.8 * i, 1.8 * j]);
    const p = run(rows, 2);
    const first = new Map<number, Row>();
    const second = new Map<number, Row>();
    rows.forEach((r, k) => (r[0] === 0 ? first : second).set(p[k], r));
    const only0 = [...first.keys()].filter((k) => !second.has(k)).map((k) => first.get(k)!);
    const only1 = [...second.keys()].filter((k) => !first.has(k)).map((k) => second.get(k)!);
    expect(only0.length).toBeGreaterThan(0);
    for (const r of only0) expect(Math.abs(r[1]) > 19 || Math.abs(r[2]) > 19).toBe(true);
    expect(only1.length).toBe(only0.length);
    for (const r of only1) expect(Math.abs(Math.abs(r[1]) - 9) < 1e-9 || Math.abs(Math.abs(r[2]) - 9) < 1e-9).toBe(true);
    // the 1-D optimum: sources 0..18 step 2 keep their tracks; 20 is lost; 9 is new
    expect(only0.length).toBe(21 * 21 - 19 * 19);
  });
});

describe('linking: species (dopants)', () => {
  // a row of host atoms 1 apart with a dopant; species code 0 = C (host), 1 = Si (dopant)
  function frame(f: number, xs: number[], species: number[]): FrameDetections {
    return { frame: f, x: Float64Array.from(xs), y: new Float64Array(xs.length), species: Int32Array.from(species) };
  }

  it('follows a dopant that exchanges places with a host neighbour (dopant search range), and the host atom too', () => {
    // frame 0: C at 0, 1, 3, 4; Si at 2. frame 1: Si moved to 3, the C from 3 moved to 2.
    const frames = [frame(0, [0, 1, 2, 3, 4], [0, 0, 1, 0, 0]), frame(1, [0, 1, 2, 3, 4], [0, 0, 0, 1, 0]), frame(2, [0, 1, 2, 3, 4], [0, 0, 0, 1, 0])];
    const out = [...linkIter(frames, { searchRange: 0.4, dopantSearchRange: 1.5, dopantSpecies: [1] })];
    const p0 = out[0].particle;
    const p1 = out[1].particle;
    expect(p1[3]).toBe(p0[2]); // the Si hopped 2 -> 3
    expect(p1[2]).toBe(p0[3]); // the C moved 3 -> 2 (exchange partner)
    for (const i of [0, 1, 4]) expect(p1[i]).toBe(p0[i]);
    expect(Array.from(out[2].particle)).toEqual(Array.from(p1));
    // without a dopant search range the hop is lost: new tracks at both sites
    const plain = [...linkIter(frames, { searchRange: 0.4 })];
    expect(plain[1].particle[3]).not.toBe(p0[2]);
  });

  it('keeps a track whose species flickers for one frame, and reports the majority species', () => {
    const rows = { frame: [0, 1, 2, 3, 0, 1, 2, 3], x: [0, 0.1, 0, 0.1, 5, 5, 5, 5], y: [0, 0, 0, 0, 0, 0, 0, 0], species: ['Si', 'C', 'Si', 'Si', 'C', 'C', 'C', 'C'] };
    const r = link(rows, { searchRange: 0.5, dopantSearchRange: 1.5, dopants: ['Si'] });
    expect(samePartition(r.particle, [0, 0, 0, 0, 1, 1, 1, 1])).toBe(true);
    expect(r.particleSpecies).toEqual(['Si', 'Si', 'Si', 'Si', 'C', 'C', 'C', 'C']);
    expect(r.particleCount).toBe(2);
  });

  it('breaks majority ties by the species seen first', () => {
    const r = link({ frame: [0, 1], x: [0, 0], y: [0, 0], species: ['C', 'Si'] }, { searchRange: 1 });
    expect(r.particleSpecies).toEqual(['C', 'C']);
  });

  it('breaks ties by the frame seen first when the rows are not in frame order, and gives each particle its species', () => {
    // rows listed last frame first: frame 0's C is seen first along the track
    const r = link({ frame: [1, 0], x: [0, 0], y: [0, 0], species: ['Si', 'C'] }, { searchRange: 1 });
    expect(r.particleSpecies).toEqual(['C', 'C']);
    expect(r.speciesOfParticle).toEqual(['C']);
  });

  it('links rows in any order to the same particles as the rows in frame order (one frame copied at a time)', () => {
    const rng = new Random(4);
    const frame: number[] = [];
    const x: number[] = [];
    const y: number[] = [];
    const species: string[] = [];
    for (let f = 0; f < 8; f++) {
      for (let k = 0; k < 25; k++) {
        frame.push(f);
        x.push((k % 5) * 3 + 0.2 * rng.normal());
        y.push(Math.floor(k / 5) * 3 + 0.2 * rng.normal());
        species.push(k === 12 && f % 3 !== 1 ? 'Si' : 'C');
      }
    }
    const opts = { searchRange: 1.2, dopantSearchRange: 2, memory: 1, dopants: ['Si'] };
    const sorted = link({ frame, x, y, species }, opts);
    // a fixed shuffle of the rows
    const perm = Array.from(frame, (_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const shuffled = link({ frame: perm.map((i) => frame[i]), x: perm.map((i) => x[i]), y: perm.map((i) => y[i]), species: perm.map((i) => species[i]) }, opts);
    expect(samePartition(Array.from(perm, (i) => sorted.particle[i]), shuffled.particle)).toBe(true);
    expect(perm.map((i) => sorted.particleSpecies[i])).toEqual(shuffled.particleSpecies);
    for (let i = 0; i < frame.length; i++) expect(sorted.particleSpecies[i]).toBe(sorted.speciesOfParticle[sorted.particle[i]]);
    expect(sorted.particleSpecies.filter((s) => s === 'Si').length).toBe(8); // the Si track: majority Si, every frame
  });
});

describe('linking: streaming core and errors', () => {
  it('gives the same partition from linkIter and from link', () => {
    const rng = new Random(9);
    const rows: Row[] = [];
    for (let f = 0; f < 6; f++) for (let k = 0; k < 20; k++) rows.push([f, (k % 5) * 3 + 0.15 * rng.normal(), Math.floor(k / 5) * 3 + 0.15 * rng.normal()]);
    const table = run(rows, 1.2);
    const linker = new Linker({ searchRange: 1.2 });
    const streamed: number[] = [];
    for (let f = 0; f < 6; f++) {
      const fr = rows.filter((r) => r[0] === f);
      streamed.push(...linker.next({ frame: f, x: fr.map((r) => r[1]), y: fr.map((r) => r[2]) }));
    }
    expect(samePartition(table, streamed)).toBe(true);
    expect(new Set(table).size).toBe(20);
  });

  it('rejects bad settings and frames out of order with AtomdynError', () => {
    expect(() => new Linker({ searchRange: -1 })).toThrow(AtomdynError);
    expect(() => new Linker({ searchRange: 1, memory: 1.5 })).toThrow(/^memory: /);
    const l = new Linker({ searchRange: 1 });
    l.next({ frame: 2, x: [0], y: [0] });
    expect(() => l.next({ frame: 2, x: [0], y: [0] })).toThrow(/increasing/);
    expect(() => l.next({ frame: 3, x: [NaN], y: [0] })).toThrow(/finite/);
    expect(() => run([[-1, 0, 0]], 1)).toThrow(/frame/);
  });
});
