import { describe, expect, it } from 'vitest';
import { createSimulatedSource } from '../training/simulatedSource.ts';
import { sampleParameters } from '../training/simulator/domainRandomisation.ts';
import type { TrainingSample } from '../training/sampleSource.ts';

const digest = (s: TrainingSample) => {
  let h = 0;
  for (const v of s.image) h = (Math.imul(h, 31) + Math.round(v * 1024)) | 0;
  for (const v of s.labels) h = (Math.imul(h, 31) + v) | 0;
  return `${h}:${s.atoms.length}`;
};

async function take(opts: Parameters<typeof createSimulatedSource>[0], n: number): Promise<TrainingSample[]> {
  const src = createSimulatedSource(opts);
  const out: TrainingSample[] = [];
  try {
    for (let k = 0; k < n; k++) out.push(await src.next());
  } finally {
    await src.close();
    await src.close(); // idempotent
  }
  return out;
}

describe('simulated training source', () => {
  it('runs in worker threads and gives the same stream as in-thread simulation, whatever the number of workers', async () => {
    const base = { lattice: 'graphene' as const, pixelSizePm: 18, patch: 48, seed: 21 };
    const inline = await take({ ...base, inline: true }, 4);
    const one = await take({ ...base, workers: 1, prefetch: 2 }, 4);
    const two = await take({ ...base, workers: 2, prefetch: 3 }, 4);
    expect(one.map(digest)).toEqual(inline.map(digest));
    expect(two.map(digest)).toEqual(inline.map(digest));
    expect(new Set(inline.map(digest)).size).toBe(4);
    // resuming at index 2 continues the same stream
    const resumed = await take({ ...base, inline: true, startIndex: 2 }, 2);
    expect(resumed.map(digest)).toEqual(inline.slice(2).map(digest));
  });

  it('labels pixels 0..S+1 consistently with its atoms and species', async () => {
    const src = createSimulatedSource({ lattice: 'graphene', pixelSizePm: 16, patch: 64, seed: 3, inline: true, dopantsPerNm2: 2, otherClass: true });
    expect(src.species).toEqual(['C', 'Si']);
    expect(src.elements).toEqual({ C: 'C', Si: 'Si' });
    expect(src.hasOther).toBe(true);
    expect(src.pixelSizePm).toBe(16);
    let sawSi = false;
    for (let k = 0; k < 4; k++) {
      const s = await src.next();
      expect(s.width * s.height).toBe(s.image.length);
      expect(s.labels.length).toBe(s.image.length);
      expect(Math.max(...s.labels)).toBeLessThanOrEqual(3);
      for (const a of s.atoms) {
        expect(['C', 'Si']).toContain(a.species);
        const i = Math.round(a.y);
        const j = Math.round(a.x);
        if (i >= 0 && i < s.height && j >= 0 && j < s.width) expect([1, 2]).toContain(s.labels[i * s.width + j]);
        if (a.species === 'Si') sawSi = true;
      }
    }
    expect(sawSi).toBe(true);
    await src.close();
    await expect(src.next()).rejects.toThrow(/closed/);
  });

  it('draws MX2 materials with metal/chalcogen species and randomises physics within the documented ranges', async () => {
    const src = createSimulatedSource({ lattice: 'WSe2', pixelSizePm: 30, patch: 48, seed: 4, inline: true });
    expect(src.species).toEqual(['metal', 'chalcogen']);
    expect(src.elements).toEqual({ metal: 'W', chalcogen: 'Se2' });
    expect(src.hasOther).toBe(false);
    const s = await src.next();
    expect(s.atoms.some((a) => a.element === 'W')).toBe(true);
    expect(Math.max(...s.labels)).toBeLessThanOrEqual(2);
    const seen = new Set<string>();
    for (let k = 0; k < 30; k++) {
      const p = sampleParameters({ lattice: 'mx2', pixelSizePm: 30, seed: 1 }, k);
      seen.add(p.specimen.lattice);
      expect(p.imaging.doseEPerA2).toBeGreaterThanOrEqual(1.5e4);
      expect(p.imaging.doseEPerA2).toBeLessThanOrEqual(5e5);
      expect(p.imaging.zExponent).toBeGreaterThanOrEqual(1.6);
      expect(p.imaging.zExponent).toBeLessThanOrEqual(2.0);
      expect(Math.abs(p.pixelSizePm / 30 - 1)).toBeLessThanOrEqual(0.031);
    }
    expect(seen).toEqual(new Set(['MoS2', 'WS2', 'WSe2']));
  });

  it("uses the imaging matched to the real frames for validation streams", async () => {
    const { GRAPHENE_PRESET } = await import('../training/simulator/imagingPresets.ts');
    const p = sampleParameters({ lattice: 'graphene', pixelSizePm: 16, seed: 2, purpose: 'validation' }, 3);
    expect(p.imaging).toEqual(GRAPHENE_PRESET.imaging);
    expect(p.pixelSizePm).toBe(16);
    const r = sampleParameters({ lattice: 'graphene', pixelSizePm: 16, seed: 2, purpose: 'train' }, 3);
    expect(r.imaging).not.toEqual(GRAPHENE_PRESET.imaging);
    const s = await take({ lattice: 'graphene', pixelSizePm: 16, patch: 48, seed: 2, purpose: 'validation', inline: true }, 1);
    expect(s[0].atoms.length).toBeGreaterThan(20);
  });

  it("labels contamination 'other' only on request, else background, with the same images", async () => {
    let found = false;
    for (let k = 0; k < 12 && !found; k++) {
      const withOther = await take({ lattice: 'graphene', pixelSizePm: 16, patch: 64, seed: 30 + k, inline: true, otherClass: true }, 1);
      if (!withOther[0].labels.some((v) => v === 3)) continue;
      found = true;
      const without = await take({ lattice: 'graphene', pixelSizePm: 16, patch: 64, seed: 30 + k, inline: true }, 1);
      expect(Buffer.from(without[0].image.buffer).equals(Buffer.from(withOther[0].image.buffer))).toBe(true);
      expect(Math.max(...without[0].labels)).toBeLessThanOrEqual(2);
      withOther[0].labels.forEach((v, i) => expect(without[0].labels[i]).toBe(v === 3 ? 0 : v));
    }
    expect(found).toBe(true);
  });

  it('rejects bad options with the option named', () => {
    expect(() => createSimulatedSource({ lattice: 'graphite' as 'graphene', pixelSizePm: 16, seed: 1 })).toThrow(/lattice: unknown lattice/);
    expect(() => createSimulatedSource({ lattice: 'graphene', pixelSizePm: 0, seed: 1 })).toThrow(/pixelSizePm/);
    expect(() => createSimulatedSource({ lattice: 'graphene', pixelSizePm: 16, seed: 1, doseRange: [5, 1] })).toThrow(/doseRange/);
  });
});
