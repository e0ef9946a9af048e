/**
 * Torn scan rows (inference/tornRows.ts), the weighted amplitude fit (inference/columnAmplitudes.ts
 * `weights`) and the site fit leaving torn rows unread (inference/latticeSites.ts): known answers on
 * synthetic frames.
 */
import { describe, expect, it } from 'vitest';
import { tornFraction, tornRows } from '../inference/tornRows.ts';
import { fitColumnAmplitudes } from '../inference/columnAmplitudes.ts';
import { fitLatticeSites } from '../inference/latticeSites.ts';
import { simulateImage, DEFAULT_IMAGING } from '../training/simulator/simulateImage.ts';
import { MATERIALS } from '../models/materials.ts';
import { Random } from '../data/random.ts';

/** Gaussian columns on a triangular grid, rows `tornFrom..tornTo` drawn shifted by `shift` px in x (and every row by `jitter(y)`). */
function frameOf(width: number, height: number, sigma: number, shift: number, tornFrom: number, tornTo: number, jitter: (y: number) => number = () => 0) {
  const cols: Array<{ x: number; y: number }> = [];
  for (let j = -1; j * 6.9 < height + 6; j++) for (let i = -1; i * 8 < width + 6; i++) cols.push({ x: i * 8 + (j % 2 ? 4 : 0) + 0.4, y: j * 6.9 + 0.3 });
  const img = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const s = (y >= tornFrom && y <= tornTo ? shift : 0) + jitter(y);
    for (let x = 0; x < width; x++) {
      let v = 30;
      for (const c of cols) v += 40 * Math.exp(-((x - s - c.x) ** 2 + (y - c.y) ** 2) / (2 * sigma * sigma));
      img[y * width + x] = v;
    }
  }
  return { cols, img };
}

describe('tornRows: rows shifted in x against the model', () => {
  const W = 96, H = 80, sigma = 1.5;
  const model = frameOf(W, H, sigma, 0, -1, -1).img;
  const noisy = (img: Float32Array, seed: number) => {
    const rng = new Random(seed);
    return Float32Array.from(img, (v) => v + Math.sqrt(v) * rng.normal());
  };

  it('finds exactly the torn rows of a noisy frame and their shift (known answer)', () => {
    const data = noisy(frameOf(W, H, sigma, 2, 30, 35).img, 1);
    const t = tornRows(data, model, H, W, { minShiftPx: 0.5 * sigma });
    expect([...t.torn].map((v, y) => (v ? y : -1)).filter((y) => y >= 0)).toEqual([30, 31, 32, 33, 34, 35]);
    for (let y = 30; y <= 35; y++) expect(t.shiftPx[y]).toBeCloseTo(2, 0);
    for (let y = 0; y < H; y++) if (y < 30 || y > 35) expect(Math.abs(t.shiftPx[y])).toBeLessThan(Math.max(0.3, 4 * t.shiftSePx[y]));
    // the noise: the pixels' shot noise, sqrt(counts) of about 30-70
    expect(t.noise).toBeGreaterThan(4);
    expect(t.noise).toBeLessThan(9);
  });

  it('a frame without tears has no torn rows; a shift under the smallest one is not torn', () => {
    expect(tornRows(noisy(model, 2), model, H, W, { minShiftPx: 0.5 * sigma }).torn.every((v) => v === 0)).toBe(true);
    const small = tornRows(noisy(frameOf(W, H, sigma, 0.4, 30, 35).img, 3), model, H, W, { minShiftPx: 0.5 * sigma });
    expect(small.torn.every((v) => v === 0)).toBe(true);
  });

  it('line jitter on every row (overdispersion) is not a tear; a tear of 3 px still is', () => {
    const rng = new Random(5);
    const jit = Array.from({ length: H }, () => 0.4 * rng.normal());
    const data = noisy(frameOf(W, H, sigma, 3, 30, 35, (y) => jit[y]).img, 6);
    const t = tornRows(data, model, H, W, { minShiftPx: 0.5 * sigma });
    expect(t.dispersion).toBeGreaterThan(1.5);
    const found = [...t.torn].map((v, y) => (v ? y : -1)).filter((y) => y >= 0);
    expect(found).toEqual([30, 31, 32, 33, 34, 35]);
    // without the overdispersion some jittered rows would pass the test: 0.75 px or more at 4 white-noise standard errors
    const white = Array.from(t.shiftPx, (v, y) => (y < 30 || y > 35) && Math.abs(v) >= 0.75 && Math.abs(v) >= 4 * t.shiftSePx[y] / t.dispersion).filter(Boolean).length;
    expect(white).toBeGreaterThanOrEqual(2);
  });

  it('tornFraction: the share of a column image on torn rows', () => {
    const torn = new Uint8Array(20);
    torn[10] = 1;
    const s = 1.2;
    let all = 0;
    for (let r = 7; r <= 13; r++) all += Math.exp(-((r - 10) ** 2) / (2 * s * s));
    expect(tornFraction(torn, 10, s)).toBeCloseTo(1 / all, 12);
    expect(tornFraction(torn, 2, s)).toBe(0);
    expect(tornFraction(new Uint8Array(20).fill(1), 5.5, s)).toBeCloseTo(1, 12);
  });

  it('refuses a model of another size and a shift <= 0, naming them', () => {
    expect(() => tornRows(model, model.subarray(1), H, W, { minShiftPx: 1 })).toThrow(/^model: /);
    expect(() => tornRows(model, model, H, W, { minShiftPx: 0 })).toThrow(/^minShiftPx: /);
  });
});

describe('fitColumnAmplitudes with pixel weights', () => {
  const W = 64, H = 56, sigma = 1.5;
  const { cols, img } = frameOf(W, H, sigma, 0, -1, -1);
  const inside = cols.map((c) => c.x >= 0 && c.y >= 0 && c.x <= W - 1 && c.y <= H - 1);
  const opts = { sigmaPx: sigma, backgroundSpacingPx: 16, tolerance: 1e-10, maxIterations: 3000 };

  it('equal weights give the unweighted fit; zero weight on corrupted rows recovers the amplitudes (known answer)', () => {
    const plain = fitColumnAmplitudes(img, H, W, cols, opts);
    const twice = fitColumnAmplitudes(img, H, W, cols, { ...opts, weights: new Float64Array(W * H).fill(2) });
    cols.forEach((_, k) => { if (inside[k]) expect(twice.amplitudes[k]).toBeCloseTo(plain.amplitudes[k], 6); });
    const bad = Float32Array.from(img);
    for (let y = 20; y <= 23; y++) for (let x = 0; x < W; x++) bad[y * W + x] += 25 * Math.sin(x);
    const w = new Float64Array(W * H).fill(1);
    for (let y = 20; y <= 23; y++) w.fill(0, y * W, (y + 1) * W);
    const skipped = fitColumnAmplitudes(bad, H, W, cols, { ...opts, weights: w });
    const hit = fitColumnAmplitudes(bad, H, W, cols, opts);
    let worstSkipped = 0, worstHit = 0;
    cols.forEach((c, k) => {
      if (!inside[k] || c.x < 2 || c.x > W - 3) return;
      worstSkipped = Math.max(worstSkipped, Math.abs(skipped.amplitudes[k] - 40));
      worstHit = Math.max(worstHit, Math.abs(hit.amplitudes[k] - 40));
    });
    // (the model's Gaussians are cut at 3.5 s, the image's are not: a few hundredths either way)
    expect(worstSkipped).toBeLessThan(0.1);
    expect(worstHit).toBeGreaterThan(1);
  });

  it('refuses weights of another size or negative, naming the option', () => {
    expect(() => fitColumnAmplitudes(img, H, W, cols, { ...opts, weights: new Float64Array(3) })).toThrow(/^weights: /);
    expect(() => fitColumnAmplitudes(img, H, W, cols, { ...opts, weights: new Float64Array(W * H).fill(-1) })).toThrow(/^weights: /);
  });
});

describe('fitLatticeSites leaves the sites of torn rows unread', () => {
  const px = 20;
  const sim = simulateImage({
    specimen: { lattice: 'MoS2', rotationDeg: 11, mx2Defects: { chalcogenVacancy: 0.04, metalDopant: 0.03, metalDopantElement: 'V' } },
    frame: { width: 160, height: 128, pixelSizePm: px },
    imaging: { ...DEFAULT_IMAGING, doseEPerA2: 2e5 },
    seed: 23,
  });
  const atoms = sim.atoms.map((a) => ({ x: a.x, y: a.y, species: a.species }));
  // rows 60..65 torn: their content drawn 3 px to the right
  const torn = Float32Array.from(sim.image);
  for (let y = 60; y <= 65; y++) for (let x = 0; x < sim.width; x++) torn[y * sim.width + x] = sim.image[y * sim.width + Math.max(0, x - 3)];
  const whole = fitLatticeSites(sim.image, sim.height, sim.width, atoms, { material: MATERIALS.MoS2, pixelSizePm: px });
  const cut = fitLatticeSites(torn, sim.height, sim.width, atoms, { material: MATERIALS.MoS2, pixelSizePm: px });

  it('finds the torn rows and only them; none in the whole frame', () => {
    expect(whole.tornRows).toEqual([]);
    expect(cut.tornRows.length).toBeGreaterThanOrEqual(4);
    expect(cut.tornRows.every((y) => y >= 59 && y <= 66)).toBe(true);
  });

  it('sites on the torn rows are not read, and call no defect; sites away from them read as in the whole frame', () => {
    const s = cut.probeSigmaPx;
    const onTear = cut.sites.filter((t) => t.y >= 60 && t.y <= 65);
    expect(onTear.length).toBeGreaterThan(5);
    expect(onTear.every((t) => t.occupancy === null && t.defect === null)).toBe(true);
    const away = cut.sites.filter((t, k) => (t.y < 60 - 3 * s || t.y > 65 + 3 * s) && whole.sites[k].occupancy !== null);
    expect(away.length).toBeGreaterThan(100);
    const differ = away.filter((t) => t.defect !== whole.sites[t.site].defect).length;
    expect(differ).toBeLessThanOrEqual(1);
  });
});
