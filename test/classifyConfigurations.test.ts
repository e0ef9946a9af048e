/**
 * The classification pipeline (dynamics/configurations/classifyConfigurations.ts): image and neighbour
 * descriptors on rendered frames, the plain methods, calibration from the lattice, the frame edge,
 * real LibraryNet coordinates, and input errors.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { sharedData } from './sharedData.ts';
import { generateConfigurations, type SyntheticSet } from '../training/simulator/syntheticConfigurations.ts';
import { bicEdgeWarning, classExamples, classifyConfigurations } from '../dynamics/configurations/classifyConfigurations.ts';
import { adjustedRandIndex } from '../evaluation/adjustedRandIndex.ts';
import { renderClassGallery, galleryFromResult } from '../report/classGallery.ts';
import { readHdf5Coordinates } from '../data/hdf5Coordinates.ts';
import type { FrameStack } from '../data/frameStack.ts';
import { AtomdynError } from '../data/errors.ts';
import { Random } from '../data/random.ts';

/** HAADF-like frames of a synthetic set: Gaussian columns (sigma 40 pm), intensity ~ Z^1.7, noise. */
function render(set: SyntheticSet, size = 100): FrameStack {
  const rng = new Random(1);
  const sigma = 40 / set.pixelSizePm;
  const frames = Array.from({ length: set.truth.length }, () => new Float32Array(size * size));
  for (const a of set.atoms) {
    const img = frames[a.frame];
    const amp = a.species === 'Si' ? 14 ** 1.7 : 6 ** 1.7;
    for (let y = Math.max(0, Math.floor(a.y - 3 * sigma)); y < Math.min(size, a.y + 3 * sigma); y++) {
      for (let x = Math.max(0, Math.floor(a.x - 3 * sigma)); x < Math.min(size, a.x + 3 * sigma); x++) img[y * size + x] += amp * Math.exp(-((x - a.x) ** 2 + (y - a.y) ** 2) / (2 * sigma * sigma));
    }
  }
  for (const f of frames) for (let i = 0; i < f.length; i++) f[i] += rng.normal();
  return {
    path: 'memory',
    format: 'memory',
    count: frames.length,
    height: size,
    width: size,
    dtype: 'float32',
    calibration: { pixelSizePm: { value: set.pixelSizePm, origin: 'file' }, frameTimeS: { value: null, origin: 'none' } },
    metadata: {},
    async readFrame(i) {
      return frames[i];
    },
    async close() {},
  };
}

describe('classifyConfigurations', () => {
  const set = generateConfigurations(['SiC3', 'SiC4', 'SiVac'], [30, 30, 30], { seed: 5, jitterPm: 5, missingProbability: 0 });
  const frames = render(set);

  it('classifies sub-images with the symmetric mixture (rotated windows, PCA) and names the classes', async () => {
    const r = await classifyConfigurations({ atoms: set.atoms, pixelSizePm: 10, frames }, { descriptor: 'image', classes: 3, seed: 1, nInit: 2, windowRadiusPm: 250, windowSamples: 8 });
    expect(adjustedRandIndex(set.truth, r.rows.map((x) => x.state!))).toBeGreaterThanOrEqual(0.95);
    expect(r.classes.map((c) => c.name).sort()).toEqual(['Si1C2', 'Si1C3', 'Si1C4']);
    expect(r.classes.map((c) => c.symmetry.length).sort()).toEqual([2, 4, 6]);
    expect(r.windows?.mean.length).toBe(3);
    const png = await renderClassGallery(galleryFromResult(r));
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.height).toBeGreaterThan(3 * 128);
  });

  it('classifies neighbour vectors, with aligned sub-images for the gallery, rows per docs/schema.md', async () => {
    const r = await classifyConfigurations({ atoms: set.atoms, pixelSizePm: 10, frames }, { classes: 'auto', seed: 1, nInit: 1, windowRadiusPm: 250, windowSamples: 8 });
    expect(r.k).toBe(3);
    expect(adjustedRandIndex(set.truth, r.rows.map((x) => x.state!))).toBe(1);
    expect(r.units).toBe('pm');
    expect(r.windows?.side).toBe(17);
    for (const row of r.rows) {
      expect(row.formula).toBe(row.state_name);
      expect(row.complex).toBe(0);
      expect(row.probability).toBeGreaterThan(0.5);
      expect(row.rotation).toBeGreaterThanOrEqual(0);
      expect(row.rotation).toBeLessThan(360);
      expect(typeof row.mirror).toBe('boolean');
    }
    expect(r.bic?.length).toBeGreaterThanOrEqual(4);
    const png = await renderClassGallery(galleryFromResult(r));
    expect((await sharp(png).metadata()).width).toBeGreaterThan(600);
  });

  it('warns when BIC picks the largest K tried (3 true configurations, at most 2 classes searched)', async () => {
    const r = await classifyConfigurations({ atoms: set.atoms, pixelSizePm: 10 }, { classes: 'auto', maxClasses: 2, seed: 1, nInit: 1 });
    expect(r.k).toBe(2);
    expect(r.warnings.join(' ')).toMatch(/BIC chose K = 2, the largest number of classes tried \(1\.\.2\)/);
    expect(bicEdgeWarning(3, 6)).toBeNull();
  });

  it('runs the plain mixture and k-means (no orientation) and k-means after PCA', async () => {
    for (const method of ['gmm', 'kmeans'] as const) {
      const r = await classifyConfigurations({ atoms: set.atoms, pixelSizePm: 10 }, { method, classes: 3, seed: 2, nInit: 2, pcaComponents: method === 'kmeans' ? 4 : 0 });
      expect(new Set(r.rows.map((x) => x.state)).size).toBe(3);
      expect(r.rows.every((x) => x.rotation === null && x.mirror === null)).toBe(true);
      expect(r.classes.every((c) => c.meanNeighbours !== null)).toBe(true);
    }
  });

  it('derives the pixel size from the C-C bond when none is given, and works in px', async () => {
    const r = await classifyConfigurations({ atoms: set.atoms, pixelSizePm: null }, { classes: 3, seed: 1, nInit: 1 });
    expect(r.scaleOrigin).toBe('lattice');
    expect(Math.abs(r.scalePmPerPx / 10 - 1)).toBeLessThan(0.03);
    expect(r.units).toBe('px');
    expect(r.warnings.join(' ')).toMatch(/pixel size unknown/);
    expect(adjustedRandIndex(set.truth, r.rows.map((x) => x.state!))).toBe(1);
  });

  it('leaves centres near the frame edge unclassified, and a pristine lattice gives an empty result', async () => {
    // the Si sits at x = 50 px; with a 240 pm (24 px) radius it must be 24 px inside: 70 - 0.5 - 24 < 50
    const r = await classifyConfigurations({ atoms: set.atoms, pixelSizePm: 10, frameSize: { width: 70, height: 100 } }, { classes: 3, seed: 1, nInit: 1 });
    expect(r.rows.length).toBe(90);
    expect(r.rows.every((x) => x.state === null && x.formula !== null)).toBe(true);
    expect(r.k).toBe(0);
    expect(r.warnings.join(' ')).toMatch(/frame edge/);
    const carbon = set.atoms.filter((a) => a.species === 'C');
    const p = await classifyConfigurations({ atoms: carbon, pixelSizePm: 10 });
    expect(p.rows.length).toBe(0);
    expect(p.warnings.join(' ')).toMatch(/only one species \(C\) was found: no dopant to classify/);
    // a compound without a dopant (1 : 2, like MX2): its rarer species is not taken for a dopant
    const mx2 = carbon.map((a, i) => ({ ...a, species: i % 3 === 0 ? 'metal' : 'chalcogen', element: i % 3 === 0 ? 'W' : 'Se2' }));
    const q = await classifyConfigurations({ atoms: mx2, pixelSizePm: 10 });
    expect(q.rows.length).toBe(0);
    expect(q.warnings.join(' ')).toMatch(/no dopant: the rarest species, metal, is 33 % of the atoms/);
    expect(((await sharp(await renderClassGallery(galleryFromResult(p))).metadata()).format)).toBe('png');
  });

  it('rejects unusable input with errors naming the flag', async () => {
    const bad = (o: object, input: object = {}) => classifyConfigurations({ atoms: set.atoms, pixelSizePm: 10, ...input }, o as never);
    await expect(bad({ centre: 'N' })).rejects.toThrow(/centre: no atoms of N/);
    await expect(bad({ pointGroup: '5x' })).rejects.toThrow(/pointGroup: /);
    await expect(bad({ descriptor: 'image' })).rejects.toThrow(/descriptor: image descriptors need the frames/);
    await expect(bad({ classes: 1000 })).rejects.toThrow(/classes: 1000 classes for 90/);
    await expect(bad({ method: 'dbscan' })).rejects.toThrow(AtomdynError);
    await expect(classifyConfigurations({ atoms: [], pixelSizePm: 10 })).rejects.toThrow(/no atoms/);
    const carbonOnly = set.atoms.filter((a) => a.frame === 0 && a.species === 'C').slice(0, 5);
    await expect(classifyConfigurations({ atoms: carbonOnly, pixelSizePm: null })).rejects.toThrow(/pixelSizePm: .*give `pixelSizePm`/);
  });
});

describe('classifyConfigurations on LibraryNet coordinates', () => {
  it('finds both Si1C3 complexes of test-1 and classifies their Si together', async () => {
    const c = await readHdf5Coordinates(sharedData('graphene_Si', 'LibraryNet_Si1C3_test-1.hdf5'));
    const atoms = c.complexes.flatMap((cx) => cx.atoms).map((a, i) => ({ row: i, frame: 0, x: a.x, y: a.y, species: a.species, element: a.species, particle: null }));
    // the file holds only the complexes' atoms (Si is 25 % of them): name the centre
    const r = await classifyConfigurations({ atoms, pixelSizePm: c.pixelSizePm }, { seed: 0, centre: 'Si' });
    expect(r.complexes.map((x) => x.formula)).toEqual(['Si1C3', 'Si1C3']);
    expect(r.rows.map((x) => [x.complex, x.formula])).toEqual([[0, 'Si1C3'], [1, 'Si1C3']]);
    expect(r.k).toBe(1);
    expect(r.rows.every((x) => x.state_name === 'Si1C3')).toBe(true);
  });
});

describe('classifyConfigurations gallery sub-images', () => {
  const set = generateConfigurations(['SiC3', 'SiC4', 'SiVac'], [30, 30, 30], { seed: 5, jitterPm: 5, missingProbability: 0 });
  const frames = render(set);

  it("keeps each class's mean sub-image and its examples' windows only, the mean equal to the mean of all members' windows", async () => {
    const opts = { classes: 3 as const, seed: 1, nInit: 1, windowRadiusPm: 250, windowSamples: 8 };
    const all = await classifyConfigurations({ atoms: set.atoms, pixelSizePm: 10, frames }, { ...opts, galleryExamples: 90 });
    const few = await classifyConfigurations({ atoms: set.atoms, pixelSizePm: 10, frames }, opts);
    expect(all.windows!.examples.size).toBe(90); // every instance an example: every window kept
    for (let k = 0; k < 3; k++) {
      const members = all.instances.map((inst, u) => ({ inst, u })).filter((m) => m.inst.state === k);
      const side = all.windows!.side;
      for (let i = 0; i < side * side; i++) {
        let sum = 0;
        let n = 0;
        for (const m of members) {
          const v = all.windows!.examples.get(m.u)![i];
          if (!Number.isNaN(v)) {
            sum += v;
            n++;
          }
        }
        const mean = all.windows!.mean[k][i];
        if (n === 0) expect(mean).toBeNaN();
        else expect(mean).toBeCloseTo(sum / n, 5);
      }
      // by default 6 examples per class, the ones classExamples picks, and the same means
      const picked = classExamples(few.instances, k);
      expect(picked.length).toBe(6);
      for (const u of picked) expect(few.windows!.examples.get(u)).toEqual(all.windows!.examples.get(u));
      expect(few.windows!.mean[k]).toEqual(all.windows!.mean[k]);
    }
    expect(few.windows!.examples.size).toBe(18);
  });
});
