/**
 * End to end, with known kinetics: a simulated Si-in-graphene movie whose dopants switch between
 * Si-C3 and Si-C4 by a known transition matrix goes through `atomdyn analyze` with the shipped
 * `graphene-si` model; the recovered classes are matched to the true states (majority vote over the
 * frames where both are known) and the recovered transition matrix is compared with the true
 * transitions of the simulated chain. The report is opened in headless Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCsv } from '../data/csvTable.ts';
import { buildProgram } from '../cli/main.ts';
import { runAnalyze } from '../cli/commands/analyze.ts';
import { browserRequired, closeBrowser, haveChromium, openReport } from './helpers/browser.ts';

const TRUE_P = [[0.85, 0.15], [0.1, 0.9]];
let dir = '';
let report = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-kinetics-'));
  const program = await buildProgram();
  await program.parseAsync(['node', 'atomdyn', 'simulate', '--lattice', 'graphene', '--movie', '--frames', '40', '--size', '256', '--dopants', '4',
    '--transition-matrix', JSON.stringify({ states: ['si-c3', 'si-c4'], matrix: TRUE_P, hop: 0 }), '--seed', '11', '--out', path.join(dir, 'input')]);
  process.env.ATOMDYN_QUIET = '1';
  ({ report } = await runAnalyze(path.join(dir, 'input', 'movie.tif'), { out: path.join(dir, 'run'), model: 'graphene-si', classes: '2', lag: '1', seed: '1' }, ['test']));
}, 600_000);
afterAll(() => closeBrowser());

describe('analyze on a movie with known kinetics', () => {
  it('recovers the true classes and transition matrix', () => {
    const truth = readCsv(path.join(dir, 'input', 'truth.csv'), ['frame', 'particle', 'x', 'y', 'state']);
    const conf = readCsv(path.join(dir, 'run', 'configurations.csv'), ['frame', 'particle', 'x', 'y', 'state']);
    const t = JSON.parse(readFileSync(path.join(dir, 'run', 'transitions.json'), 'utf8')) as { states: string[]; counts: number[][]; matrix: Array<Array<number | null>>; ci_low: number[][]; ci_high: number[][] };
    // match each classified detection to the true dopant within one bond (142 pm = 14.2 px at the simulator's 10 pm/px)
    const byFrame = new Map<number, Array<{ x: number; y: number; state: string; particle: number }>>();
    for (const r of truth.rows) {
      if (r.in_view === false) continue;
      const l = byFrame.get(r.frame as number) ?? [];
      l.push({ x: r.x as number, y: r.y as number, state: String(r.state), particle: r.particle as number });
      byFrame.set(r.frame as number, l);
    }
    const votes = new Map<number, Map<string, number>>(); // recovered state -> true state -> count
    const pairs: Array<{ frame: number; particle: number; rec: number; truth: string }> = [];
    for (const r of conf.rows) {
      if (r.state === null) continue;
      const cand = (byFrame.get(r.frame as number) ?? []).map((d) => ({ d, dist: Math.hypot(d.x - (r.x as number), d.y - (r.y as number)) })).sort((a, b) => a.dist - b.dist)[0];
      if (!cand || cand.dist > 14.2) continue;
      const v = votes.get(r.state as number) ?? new Map<string, number>();
      v.set(cand.d.state, (v.get(cand.d.state) ?? 0) + 1);
      votes.set(r.state as number, v);
      pairs.push({ frame: r.frame as number, particle: cand.d.particle, rec: r.state as number, truth: cand.d.state });
    }
    // nearly every true dopant away from the frame edge (classify leaves centres within its descriptor
    // radius of the edge unclassified) was classified
    const away = (d: { x: number; y: number }) => d.x > 30 && d.y > 30 && d.x < 225 && d.y < 225;
    const trueDetections = [...byFrame.values()].flat().filter(away).length;
    const matchedAway = pairs.filter((p) => away(byFrame.get(p.frame)!.find((d) => d.particle === p.particle)!)).length;
    expect(matchedAway / trueDetections).toBeGreaterThan(0.9);
    // classes map one-to-one onto the true states and agree on >= 90 % of the matched detections
    const mapping = new Map<number, string>();
    for (const [rec, v] of votes) mapping.set(rec, [...v.entries()].sort((a, b) => b[1] - a[1])[0][0]);
    expect(new Set(mapping.values())).toEqual(new Set(['si-c3', 'si-c4']));
    const agree = pairs.filter((p) => mapping.get(p.rec) === p.truth).length;
    expect(agree / pairs.length).toBeGreaterThan(0.9);
    // the recovered matrix (rows mapped to the true states) is close to the true chain's own transitions
    const names = ['si-c3', 'si-c4'];
    const trueCounts = [[0, 0], [0, 0]];
    const seq = new Map<number, Map<number, string>>();
    for (const r of truth.rows) {
      const m = seq.get(r.particle as number) ?? new Map<number, string>();
      m.set(r.frame as number, String(r.state));
      seq.set(r.particle as number, m);
    }
    for (const m of seq.values()) for (const [f, s] of m) { const n = m.get(f + 1); if (n) trueCounts[names.indexOf(s)][names.indexOf(n)]++; }
    const trueEmp = trueCounts.map((row) => row.map((c) => c / row.reduce((a, b) => a + b, 0)));
    // transitions.json names states by state_name; configurations.csv gives the index of each name
    const indexOfName = new Map<string, number>();
    for (const r of conf.rows) if (r.state !== null) indexOfName.set(String(r.state_name ?? r.state), r.state as number);
    const trueIndex = (name: string) => names.indexOf(mapping.get(indexOfName.get(name)!)!);
    for (let i = 0; i < t.states.length; i++) {
      for (let j = 0; j < t.states.length; j++) {
        expect(Math.abs((t.matrix[i][j] ?? NaN) - trueEmp[trueIndex(t.states[i])][trueIndex(t.states[j])])).toBeLessThan(0.1);
      }
    }
  });

  it('records the truth file in run.json, so the report checks itself against it', () => {
    const run = JSON.parse(readFileSync(path.join(dir, 'run', 'run.json'), 'utf8'));
    expect(run.truth).toBe(path.join(dir, 'input', 'truth.csv'));
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/<section id="known-answer">/);
    // the report's own check agrees with the independent one above: >= 90 % of the centres in their true state, 4 entries compared
    expect(Number(/id="known-answer-scores" data-agreement="([^"]+)"/.exec(html)![1])).toBeGreaterThan(0.9);
    expect(html).toMatch(/id="known-answer-coverage" data-covered="\d" data-compared="4"/);
  });

  it.skipIf(!haveChromium && !browserRequired)('writes a report that renders in headless Chromium with the numbers of transitions.json', async () => {
    const r = await openReport(report, 'report-kinetics.png');
    expect(r.problems).toEqual([]);
    const t = JSON.parse(readFileSync(path.join(dir, 'run', 'transitions.json'), 'utf8'));
    expect(r.cells).toHaveLength(t.states.length ** 2);
    for (const c of r.cells) expect(Number(c.p)).toBe(t.matrix[t.states.indexOf(c.from)][t.states.indexOf(c.to)]);
  });
});
