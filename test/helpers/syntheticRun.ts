/**
 * A synthetic run folder, written by our own code, for the report tests: a drifting hexagonal
 * lattice (atoms.csv, tracks.csv, drift.csv), dopants whose configurations change by a known matrix
 * (configurations.csv), the `transitions` step run on it (transitions.json, events.csv), a chain of
 * run.json files, and small PNG figures (an overlay, a class gallery, event crops) made with sharp.
 * Options add a simulation truth (truth.csv and the simulate step's run.json, named by run.json
 * `truth`, for the known-answer section), hops.csv and mean_frame.png, or make a single image.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Random } from '../../data/random.ts';
import { toCsv, type Cell } from '../../data/csvTable.ts';
import { newRun, type RunMetadata } from '../../data/runMetadata.ts';
import { runTransitions } from '../../cli/commands/transitions.ts';
import { KNOWN_NAMES, KNOWN_P, syntheticConfigurations } from '../../training/simulator/syntheticKinetics.ts';

const W = 160, H = 120, PIXEL_PM = 14;

async function png(file: string, w: number, h: number, paint: (x: number, y: number) => [number, number, number]): Promise<void> {
  const buf = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) buf.set(paint(x, y), 3 * (y * w + x));
  await sharp(buf, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

/**
 * Write a run folder.
 * @param dir target folder (created)
 * @param opts.dopants false: a pristine lattice (no configurations.csv, no kinetics)
 * @param opts.truth true: the configurations are a simulation's known answer (truth.csv beside a simulate run.json, KNOWN_P), with hops.csv and mean_frame.png
 * @param opts.single true: a single image (one frame, no kinetics)
 */
export async function writeSyntheticRun(dir: string, opts: { dopants?: boolean; seed?: number; truth?: boolean; single?: boolean } = {}): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const FRAMES = opts.single ? 1 : 40;
  const rng = new Random(opts.seed ?? 4);
  const dopants = opts.dopants ?? true;
  // lattice sites (hexagonal, 9 px spacing)
  const sites: Array<{ x: number; y: number }> = [];
  for (let r = 0; r * 7.8 < H - 6; r++) for (let c = 0; c * 9 < W - 8; c++) sites.push({ x: 4 + c * 9 + (r % 2) * 4.5, y: 4 + r * 7.8 });
  const drift = Array.from({ length: FRAMES }, (_, f) => ({ dx: 0.08 * f, dy: -0.05 * f + 0.2 * Math.sin(f / 5) }));
  const atomRows: Array<Record<string, Cell>> = [];
  const trackRows: Array<Record<string, Cell>> = [];
  const dopantSites = dopants ? [5, 23, 41, 60, 77, 95, 110, 130] : [];
  for (let f = 0; f < FRAMES; f++) {
    sites.forEach((s, i) => {
      const x = s.x + drift[f].dx + rng.normal() * 0.15, y = s.y + drift[f].dy + rng.normal() * 0.15;
      const species = dopantSites.includes(i) ? 'Si' : 'C';
      const row = { frame: f, x: +x.toFixed(3), y: +y.toFixed(3), species, element: species, confidence: 0.97, x_pm: +(x * PIXEL_PM).toFixed(2), y_pm: +(y * PIXEL_PM).toFixed(2), sigma_pm: 2.1 };
      atomRows.push(row);
      trackRows.push({ ...row, particle: i, x_corr: +(x - drift[f].dx).toFixed(3), y_corr: +(y - drift[f].dy).toFixed(3), particle_species: species });
    });
  }
  const atomCols = ['frame', 'x', 'y', 'species', 'element', 'confidence', 'x_pm', 'y_pm', 'sigma_pm'];
  writeFileSync(path.join(dir, 'atoms.csv'), toCsv({ columns: atomCols, rows: atomRows }));
  writeFileSync(path.join(dir, 'tracks.csv'), toCsv({ columns: [...atomCols, 'particle', 'x_corr', 'y_corr', 'particle_species'], rows: trackRows }));
  writeFileSync(path.join(dir, 'drift.csv'), toCsv({
    columns: ['frame', 'dx', 'dy', 'dx_pm', 'dy_pm', 'peak', 'ambiguous'],
    rows: drift.map((d, f) => ({ frame: f, dx: +d.dx.toFixed(4), dy: +d.dy.toFixed(4), dx_pm: +(d.dx * PIXEL_PM).toFixed(3), dy_pm: +(d.dy * PIXEL_PM).toFixed(3), peak: 0.93, ambiguous: f === 17 })),
  }));
  // run.json chain: locate -> track -> classify
  let run: RunMetadata = newRun('locate', ['locate', '/data/movie.tif', '--model', 'graphene', '--out', dir]);
  run.source = '/data/movie.tif';
  run.frames = { count: FRAMES, height: H, width: W };
  run.pixelSizePm = { value: PIXEL_PM, origin: 'file', note: 'TIFF ImageDescription' };
  run.frameTimeS = { value: 0.8, origin: 'file' };
  run.lattice = 'graphene';
  run.model = { name: 'graphene' };
  run.species = { C: 'C', Si: 'Si' };
  run.backend = 'wasm';
  run.outputs = ['atoms.csv'];
  run = { ...newRun('track', ['track', path.join(dir, 'atoms.csv'), '--out', dir], run), outputs: ['tracks.csv', 'drift.csv'], warnings: ['registration of frame 17 is ambiguous'] };
  // overlay of frame 0 (the pristine run has none: the report then draws the frame itself)
  if (dopants) await png(path.join(dir, 'overlay_frame0.png'), W, H, (x, y) => {
    const near = atomRows.slice(0, sites.length).some((a) => (a.x as number - x) ** 2 + (a.y as number - y) ** 2 < 3);
    return near ? [250, 200, 40] : [20, 20, 30];
  });
  if (dopants && opts.single) {
    run = { ...newRun('classify', ['classify', path.join(dir, 'tracks.csv'), '--centre', 'Si', '--out', dir], run), outputs: ['configurations.csv'] };
    const names = ['Si1C3', 'Si1C4'];
    const rows = dopantSites.map((site, k) => ({ frame: 0, particle: site, x: sites[site].x, y: sites[site].y, complex: k, formula: names[k % 2], state: k % 2, state_name: names[k % 2], rotation: 0, mirror: false, probability: 0.9 }));
    writeFileSync(path.join(dir, 'configurations.csv'), toCsv({ columns: ['frame', 'particle', 'x', 'y', 'complex', 'formula', 'state', 'state_name', 'rotation', 'mirror', 'probability'], rows }));
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run, null, 2));
    return;
  }
  if (dopants) {
    run = { ...newRun('classify', ['classify', path.join(dir, 'tracks.csv'), '--centre', 'Si', '--out', dir], run), outputs: ['configurations.csv'] };
    const conf = syntheticConfigurations({ particles: dopantSites.length, frames: FRAMES, seed: 6 });
    // put the dopants on their lattice sites
    for (const r of conf.rows) {
      const s = sites[dopantSites[r.particle as number]];
      r.particle = dopantSites[r.particle as number];
      r.x = +(s.x + drift[r.frame as number].dx).toFixed(3);
      r.y = +(s.y + drift[r.frame as number].dy).toFixed(3);
    }
    writeFileSync(path.join(dir, 'configurations.csv'), toCsv(conf));
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run, null, 2));
    // transitions: run the real step into a scratch folder, then move its outputs into the run folder
    const scratch = path.join(dir, '.transitions');
    const doc = await runTransitions(path.join(dir, 'configurations.csv'), { out: scratch, lag: '1', counting: 'sliding', seed: '0', samples: '400', ckSteps: '4', doseRate: '2e5' },
      ['transitions', path.join(dir, 'configurations.csv'), '--dose-rate', '2e5', '--out', dir]);
    const { renameSync, rmdirSync } = await import('node:fs');
    for (const f of ['transitions.json', 'events.csv', 'run.json']) renameSync(path.join(scratch, f), path.join(dir, f));
    rmdirSync(scratch);
    if (opts.truth) {
      // the configurations are the known answer: true state = class, true matrix = KNOWN_P
      const sim = path.join(dir, 'simulation');
      mkdirSync(sim, { recursive: true });
      const truthRows = conf.rows.map((r) => ({ frame: r.frame, particle: r.particle, x: r.x, y: r.y, state: `true-${r.state_name}`, formula: r.formula, x_pm: +((r.x as number) * PIXEL_PM).toFixed(2), y_pm: +((r.y as number) * PIXEL_PM).toFixed(2), site: r.particle, in_view: true }));
      writeFileSync(path.join(sim, 'truth.csv'), toCsv({ columns: ['frame', 'particle', 'x', 'y', 'state', 'formula', 'x_pm', 'y_pm', 'site', 'in_view'], rows: truthRows }));
      const simRun = { ...newRun('simulate', ['simulate', '--movie', '--out', sim]), outputs: ['truth.csv', 'run.json'], parameters: { movie: { kinetics: { model: { states: KNOWN_NAMES.map((n) => `true-${n}`), matrix: KNOWN_P } } } } };
      writeFileSync(path.join(sim, 'run.json'), JSON.stringify(simRun, null, 2));
      const last = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
      writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...last, truth: path.join(sim, 'truth.csv') }, null, 2));
      // two hops of dopants, and a mean frame (1 image px = 1 input px)
      const [a, b] = [dopantSites[0], dopantSites[1]];
      writeFileSync(path.join(dir, 'hops.csv'), toCsv({
        columns: ['frame', 'particle', 'species', 'from_frame', 'x_from', 'y_from', 'x_to', 'y_to', 'distance'],
        rows: [{ frame: 10, particle: a, species: 'Si', from_frame: 9, x_from: sites[a].x, y_from: sites[a].y, x_to: sites[a].x + 9, y_to: sites[a].y, distance: 9 },
          { frame: 25, particle: b, species: 'Si', from_frame: 24, x_from: sites[b].x, y_from: sites[b].y, x_to: sites[b].x, y_to: sites[b].y + 7.8, distance: 7.8 }],
      }));
      await png(path.join(dir, 'mean_frame.png'), W, H, (x, y) => { const v = sites.some((q) => (q.x - x) ** 2 + (q.y - y) ** 2 < 3) ? 180 : 30; return [v, v, v]; });
    }
    // class gallery and crops for the first events
    await png(path.join(dir, 'class_gallery.png'), 90, 30, (x, y) => [x < 30 ? 78 : 40, x >= 30 && x < 60 ? 160 : 60, x >= 60 ? 200 : 90 + (y % 5)]);
    mkdirSync(path.join(dir, 'crops'), { recursive: true });
    const events = doc.n_events as number;
    const { readCsv } = await import('../../data/csvTable.ts');
    const ev = readCsv(path.join(dir, 'events.csv'));
    for (const e of ev.rows.slice(0, Math.min(3, events))) {
      await png(path.join(dir, 'crops', `event_${e.frame}_${e.particle}.png`), 48, 16, (x, y) => [x < 16 ? 200 : 60, (x + y) % 7 < 3 ? 120 : 40, x >= 32 ? 220 : 80]);
    }
  } else {
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run, null, 2));
  }
}
