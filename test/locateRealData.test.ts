/**
 * `locate` with the shipped models on the real frames in ../shared/data, checked against what the
 * lattice itself says (no hand labels exist): the atom density matches the lattice within 10 %, the
 * nearest-neighbour distances cluster at the bond length, and the known dopants are found (one Si in
 * G-Si-2nm, two in G-dimSi, three in G-trimSi, whose scale comes from the network's bond lengths); WSe2 gets metal and chalcogen columns in equal numbers
 * at the lattice-derived pixel size, and `track` links them through the movie's drift.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Table } from '../data/csvTable.ts';
import type { RunMetadata } from '../data/runMetadata.ts';
import sharp from 'sharp';
import { readCsv } from '../data/csvTable.ts';
import { runLocate } from '../cli/commands/locate.ts';
import { buildProgram } from '../cli/main.ts';
import { sharedData } from './sharedData.ts';
import { AUTO_FIT_MIN_LIGHT_LLR } from '../inference/columnFit.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-real-'));
  process.env.ATOMDYN_QUIET = '1';
});

/** Atoms per pm² inside the frame less a margin, and the median nearest-neighbour distance (pm). */
function latticeFigures(t: Table, frame: number, width: number, height: number, px: number, marginPx: number) {
  const atoms = t.rows.filter((r) => r.frame === frame).map((r) => ({ x: r.x as number, y: r.y as number, species: String(r.species) }));
  const inner = atoms.filter((a) => a.x >= marginPx && a.y >= marginPx && a.x <= width - 1 - marginPx && a.y <= height - 1 - marginPx);
  const density = inner.length / ((width - 1 - 2 * marginPx) * (height - 1 - 2 * marginPx) * px * px);
  const nn = inner.map((a) => Math.min(...atoms.filter((b) => b !== a).map((b) => Math.hypot(a.x - b.x, a.y - b.y)))).sort((a, b) => a - b);
  return { atoms, density, medianNnPm: nn[nn.length >> 1] * px };
}

/** The applicability block of a locate run.json (docs/schema.md). */
function applicability(run: RunMetadata) {
  return run.applicability as {
    applicable: boolean | 'unknown';
    reason: string;
    firstFrame: { method: string };
    frames: Array<{ frame: number; applicable: boolean | 'unknown'; missedColumnShare: number | null; uncoveredLatticeShare: number | null }>;
    missedLattice: { maxMissedColumnShare: number | null; maxUncoveredShare: number | null; flaggedFrames: number[] };
  };
}

const GRAPHENE_DENSITY = 2 / ((246 * 246 * Math.sqrt(3)) / 2); // atoms per pm²

describe('locate on real graphene frames (model graphene-si)', () => {
  it('--tta (dihedral test-time augmentation) keeps G-Si-2nm at one Si and the lattice density, and says so in run.json', async () => {
    const { table, run } = await runLocate(sharedData('graphene_Si', 'G-Si-2nm.hdf5'), { out: path.join(dir, 'tta'), model: 'graphene-si', tta: true }, ['test']);
    expect((run.parameters as { tta: boolean }).tta).toBe(true);
    const px = run.pixelSizePm.value!;
    const f = latticeFigures(table, 0, run.frames!.width, run.frames!.height, px, 142 / px);
    expect(f.atoms.filter((a) => a.species === 'Si')).toHaveLength(1);
    expect(Math.abs(f.density / GRAPHENE_DENSITY - 1)).toBeLessThan(0.1);
    // 'auto' turns it on at about the model's own pixel size (here a stated 15.6 pm/px), and --no-tta off
    const auto = await runLocate(sharedData('graphene_Si', 'G-Si-2nm.hdf5'), { out: path.join(dir, 'tta-auto'), model: 'graphene-si', pixelSize: '15.6' }, ['test']);
    expect(auto.run.parameters).toMatchObject({ tta: true, ttaMode: 'auto' });
    const off = await runLocate(sharedData('graphene_Si', 'G-Si-2nm.hdf5'), { out: path.join(dir, 'tta-off'), model: 'graphene-si', pixelSize: '15.6', tta: false }, ['test']);
    expect(off.run.parameters).toMatchObject({ tta: false, ttaMode: false });
  });
  for (const [file, nSi] of [['G-Si-2nm.hdf5', 1], ['G-dimSi.hdf5', 2]] as const) {
    it(`${file}: ${nSi} Si, lattice density and C-C distances at the lattice-derived scale`, async () => {
      const { table, run } = await runLocate(sharedData('graphene_Si', file), { out: path.join(dir, file), model: 'graphene-si' }, ['test']);
      const px = run.pixelSizePm.value!;
      const measured = (run.parameters as { measuredPixelSizePm: number }).measuredPixelSizePm;
      expect(Math.abs(px / measured - 1)).toBeLessThan(0.05); // the scale used agrees with the lattice
      const a = applicability(run);
      expect(a.applicable, a.reason).toBe(true); // issue 12: a control that must stay applicable
      expect(a.firstFrame.method).toBe('fourier');
      expect(a.missedLattice.flaggedFrames).toEqual([]);
      const f = latticeFigures(table, 0, run.frames!.width, run.frames!.height, px, 142 / px);
      expect(f.atoms.filter((a) => a.species === 'Si')).toHaveLength(nSi);
      // 7.8 pm/px is half the model's 16 pm/px: 'auto' leaves test-time augmentation off
      expect(run.parameters).toMatchObject({ tta: false, ttaMode: 'auto' });
      // the column fit's automatic mode leaves real frames to the network: their C columns are not resolved one by one
      expect(run.parameters).toMatchObject({ fit: false, fitMode: 'auto', fitFrames: 0 });
      expect((run.parameters as { fitLightLlr: number }).fitLightLlr).toBeLessThan(AUTO_FIT_MIN_LIGHT_LLR);
      expect(Math.abs(f.density / GRAPHENE_DENSITY - 1)).toBeLessThan(0.1);
      expect(Math.abs(f.medianNnPm / 142 - 1)).toBeLessThan(0.07);
    });
  }
});

describe('G-trimSi.hdf5 (no calibration; its lattice too faint for the Fourier check)', () => {
  it('takes the scale from the bond lengths the network sees, agrees with G-dimSi (same series), and finds the three Si', async () => {
    const { table, run } = await runLocate(sharedData('graphene_Si', 'G-trimSi.hdf5'), { out: path.join(dir, 'trim'), model: 'graphene-si' }, ['test']);
    expect(run.pixelSizePm.origin).toBe('lattice');
    expect(run.pixelSizePm.note).toMatch(/bond lengths of the network's atoms/);
    const a = applicability(run);
    expect(a.applicable, a.reason).toBe(true); // no usable Fourier peak: the bond-length check decides
    expect(a.firstFrame.method).toBe('bonds');
    const px = run.pixelSizePm.value!;
    expect(Math.abs(px / 3.87 - 1)).toBeLessThan(0.05); // G-dimSi's Fourier lattice: 3.87 pm/px
    const f = latticeFigures(table, 0, run.frames!.width, run.frames!.height, px, 142 / px);
    expect(f.atoms.filter((a) => a.species === 'Si')).toHaveLength(3);
    expect(Math.abs(f.density / GRAPHENE_DENSITY - 1)).toBeLessThan(0.1);
    expect(Math.abs(f.medianNnPm / 142 - 1)).toBeLessThan(0.07);
  });
});

describe('locate and track on the real WSe2 movie (model mx2)', () => {
  it('finds metal and chalcogen columns in equal numbers at the lattice-derived scale, and tracks them through the drift', async () => {
    const movie = sharedData('WSe2_movie', 'HAADF.tif');
    const { table, run } = await runLocate(movie, { out: path.join(dir, 'wse2'), lattice: 'mx2', species: 'metal=W,chalcogen=Se2' }, ['test']);
    // the file says 31.25 pm/px; the WSe2 lattice (a = 328 pm) says about 37
    expect(run.pixelSizePm.origin).toBe('lattice');
    expect(run.pixelSizePm.value!).toBeGreaterThan(35.5);
    expect(run.pixelSizePm.value!).toBeLessThan(39);
    expect(run.warnings.join(' ')).toMatch(/states 31\.25 pm\/px but the lattice measures/);
    const a = applicability(run);
    expect(a.applicable, a.reason).toBe(true);
    expect(a.frames.map((f) => f.applicable)).toEqual([true, true, true, true, true]);
    expect(a.missedLattice.flaggedFrames).toEqual([]);
    const px = run.pixelSizePm.value!;
    // the movie has a disordered patch and a torn frame (3), so the density is checked over the movie
    // (within 10 %) and per frame within 15 %
    const relDensity: number[] = [];
    for (let frame = 0; frame < 5; frame++) {
      const f = latticeFigures(table, frame, 128, 128, px, 190 / px);
      const metal = f.atoms.filter((a) => a.species === 'metal').length, chalc = f.atoms.filter((a) => a.species === 'chalcogen').length;
      expect(Math.abs(metal / chalc - 1)).toBeLessThan(0.15);
      relDensity.push(f.density / (2 / ((328 * 328 * Math.sqrt(3)) / 2)));
      expect(Math.abs(relDensity[frame] - 1)).toBeLessThan(0.15);
      expect(Math.abs(f.medianNnPm / (328 / Math.sqrt(3)) - 1)).toBeLessThan(0.07);
    }
    expect(Math.abs(relDensity.reduce((a, b) => a + b, 0) / 5 - 1)).toBeLessThan(0.1);
    expect(new Set(table.rows.map((r) => r.element))).toEqual(new Set(['W', 'Se2']));
    // issue 22: in every frame the detections are within 3 % of the lattice sites of sites.csv (both away
    // from the border, where the site fit leaves sites unread); 6-11 % were missed before 'other' was
    // kept out of the lattice area
    const sites = readCsv(path.join(dir, 'wse2', 'sites.csv'), ['frame', 'x', 'y']);
    const m = 12;
    const inner = (r: Record<string, unknown>) => (r.x as number) >= m && (r.y as number) >= m && (r.x as number) <= 127 - m && (r.y as number) <= 127 - m;
    for (let frame = 0; frame < 5; frame++) {
      const nSites = sites.rows.filter((r) => r.frame === frame && inner(r)).length;
      const nAtoms = table.rows.filter((r) => r.frame === frame && inner(r)).length;
      expect(nSites).toBeGreaterThan(250);
      expect(Math.abs(nAtoms / nSites - 1), `frame ${frame}: ${nAtoms} atoms, ${nSites} sites`).toBeLessThanOrEqual(0.03);
    }
    const program = await buildProgram();
    await program.parseAsync(['node', 'atomdyn', 'track', path.join(dir, 'wse2', 'atoms.csv'), '--frames', movie, '--out', path.join(dir, 'wse2-track')]);
    const tracks = readCsv(path.join(dir, 'wse2-track', 'tracks.csv'), ['frame', 'particle', 'x_corr', 'y_corr']);
    const frames = new Map<number, Set<number>>();
    for (const r of tracks.rows) {
      if (r.particle === null) continue;
      const s = frames.get(r.particle as number) ?? new Set<number>();
      s.add(r.frame as number);
      frames.set(r.particle as number, s);
    }
    const full = tracks.rows.filter((r) => r.particle !== null && frames.get(r.particle as number)!.size === 5).length;
    expect(full / tracks.rows.length).toBeGreaterThan(0.7); // most atoms tracked across all 5 frames
    const drift = readCsv(path.join(dir, 'wse2-track', 'drift.csv'), ['frame', 'dx', 'dy']);
    const steps = drift.rows.slice(1).map((r, i) => Math.hypot((r.dx as number) - (drift.rows[i].dx as number), (r.dy as number) - (drift.rows[i].dy as number)));
    expect(Math.max(...steps)).toBeLessThan(8); // a smooth path: no jump of a lattice vector (about 8.8 px)
  });
});

describe('missed lattice on WS2.emd (model mx2)', () => {
  it("covers the lattice once 'other' is not allowed inside it; without that check reports the share missed (about 40 % of its columns) and tints it", async () => {
    const out = path.join(dir, 'ws2');
    const { run } = await runLocate(sharedData('WS2_velox_emd', 'WS2.emd'), { out, lattice: 'mx2', species: 'metal=W,chalcogen=S2' }, ['test']);
    const a = applicability(run);
    expect(a.applicable, a.reason).toBe(true);
    expect(run.pixelSizePm).toMatchObject({ value: 10.62231596676199, origin: 'file' });
    expect(run.parameters.latticeOtherCheck).toBe(true);
    // issue 22: <= 3 % of the lattice area without detections
    expect(a.missedLattice.maxUncoveredShare!).toBeLessThanOrEqual(0.03);
    expect(a.missedLattice.maxMissedColumnShare!).toBeLessThan(0.06);
    expect(a.missedLattice.flaggedFrames).toEqual([]);
    // the network alone calls clean WS2 contamination in patches: the missed-lattice check must see them
    const out2 = path.join(dir, 'ws2-other');
    const { run: run2 } = await runLocate(sharedData('WS2_velox_emd', 'WS2.emd'), { out: out2, lattice: 'mx2', species: 'metal=W,chalcogen=S2', latticeOtherCheck: false }, ['test']);
    const b = applicability(run2);
    expect(run2.parameters.latticeOtherCheck).toBe(false);
    expect(b.missedLattice.maxMissedColumnShare!).toBeGreaterThan(0.3);
    expect(b.missedLattice.maxMissedColumnShare!).toBeLessThan(0.5);
    expect(b.missedLattice.maxUncoveredShare!).toBeGreaterThan(0.1); // patches of several missed columns
    expect(b.missedLattice.flaggedFrames).toEqual([0]);
    expect(run2.warnings.join(' ')).toMatch(/missed lattice/);
    // the overlay is tinted magenta where lattice has no detection
    const { data, info } = await sharp(path.join(out2, 'overlays', 'frame_0000.png')).raw().toBuffer({ resolveWithObject: true });
    let tinted = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] - data[i + 1] > 80 && data[i + 2] - data[i + 1] > 80) tinted++;
    expect(tinted / (info.width * info.height)).toBeGreaterThan(0.5 * b.missedLattice.maxUncoveredShare!);
  });
});
