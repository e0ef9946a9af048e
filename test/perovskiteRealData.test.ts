import { describe, expect, it } from 'vitest';
import { openFrames } from '../data/openFrames.ts';
import { locateClassicalFrame } from '../inference/classicalLocate.ts';
import { analyseCells } from '../analytics/cells/cellAnalysis.ts';
import { robustSummary } from '../analytics/cells/robustSummary.ts';
import { sharedData } from './sharedData.ts';

/** A crop [y0, y0 + h) x [x0, x0 + w) of the first frame. */
async function crop(file: string, x0: number, y0: number, w: number, h: number) {
  const s = await openFrames(sharedData('perovskite', file));
  try {
    const f = await s.readFrame(0);
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f[(y + y0) * s.width + x + x0];
    return { frame: out, pixelPm: s.calibration.pixelSizePm.value };
  } finally {
    await s.close();
  }
}

/** Atoms of one species as the strain step takes them (unrefined atoms get the 95th percentile of the refined sigmas). */
function lattice(atoms: ReturnType<typeof locateClassicalFrame>['atoms'], species: string) {
  const own = atoms.filter((a) => a.species === species);
  const s = atoms.map((a) => a.sigmaPx).filter((v) => v > 0).sort((p, q) => p - q);
  const p95 = s[Math.floor(0.95 * (s.length - 1))];
  return { x: own.map((a) => a.x), y: own.map((a) => a.y), sigma: own.map((a) => (a.sigmaPx > 0 ? a.sigmaPx : p95)) };
}

describe('classical locate and cells on the real perovskite files', () => {
  it('PbTiO3/SrRuO3: one A sublattice across the interface; out-of-plane spacing differs between the layers, in-plane agrees', async () => {
    // the whole frame: SrRuO3 above, PbTiO3 with its bright Pb columns below y of about 150 px
    const { frame, pixelPm } = await crop('Cropped_PTO-SRO_Aligned.hspy', 0, 0, 1312, 224);
    expect(pixelPm).toBeCloseTo(15.0, 1);
    const r = locateClassicalFrame(frame, 224, 1312);
    const a = r.atoms.filter((t) => t.species === 'A'), b = r.atoms.filter((t) => t.species === 'B');
    expect(a.length).toBeGreaterThan(400);
    expect(b.length).toBeGreaterThan(300);
    // the bright Pb columns (lower layer) and the SrRuO3 A columns are one sublattice: cells span the interface
    const res = analyseCells(lattice(r.atoms, 'A'), lattice(r.atoms, 'B'));
    expect(res.measurements.some((c) => c.y > 135 && c.y < 165)).toBe(true);
    // basis a is along y (out-of-plane), b along x (in-plane)
    const vertical = Math.abs(res.basis.a[1]) > Math.abs(res.basis.a[0]);
    const out = (c: (typeof res.measurements)[number]) => (vertical ? c.sideA : c.sideB) * pixelPm!;
    const inp = (c: (typeof res.measurements)[number]) => (vertical ? c.sideB : c.sideA) * pixelPm!;
    const upper = res.measurements.filter((c) => c.y < 140), lower = res.measurements.filter((c) => c.y > 165);
    const [uo, lo, ui, li] = [robustSummary(upper.map(out)), robustSummary(lower.map(out)), robustSummary(upper.map(inp)), robustSummary(lower.map(inp))];
    const z = (p: typeof uo, q: typeof uo) => Math.abs(p.median - q.median) / Math.hypot(p.medianErr, q.medianErr);
    expect(lo.median).toBeGreaterThan(uo.median); // PbTiO3 is longer along c than SrRuO3
    expect(z(lo, uo)).toBeGreaterThan(3);
    expect(z(li, ui)).toBeLessThan(2); // coherent: the same in-plane spacing
    // Ti displacement in PbTiO3 along the out-of-plane axis, well above its error; none to speak of in SrRuO3
    const dOut = (d: (typeof res.displacements)[number]) => (vertical ? d.dy : d.dx) * pixelPm!;
    const pto = robustSummary(res.displacements.filter((d) => d.y > 165).map(dOut));
    const sro = robustSummary(res.displacements.filter((d) => d.y < 140).map(dOut));
    expect(Math.abs(pto.median)).toBeGreaterThan(3 * pto.medianErr + 10);
    expect(Math.abs(sro.median)).toBeLessThan(Math.abs(pto.median) / 2);
  });

  it('Nd0.5Sr0.5MnO3 [110] (uncalibrated): two sublattices from the geometry, B sites near the A-cell centres', async () => {
    const { frame } = await crop('FigS6_0716__Cryo_NSMO110_5-1Mx_0p5us_1024px_REGISTERED.tif', 300, 300, 256, 256);
    const r = locateClassicalFrame(frame, 256, 256);
    const nA = r.atoms.filter((t) => t.species === 'A').length, nB = r.atoms.filter((t) => t.species === 'B').length;
    expect(r.contrast).toBeGreaterThan(20);
    expect(nA).toBeGreaterThan(100);
    expect(Math.abs(nA - nB) / nA).toBeLessThan(0.15);
    const res = analyseCells(lattice(r.atoms, 'A'), lattice(r.atoms, 'B'));
    const ratio = res.summary.sideB.median / res.summary.sideA.median;
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.1);
    expect(res.summary.angle.median).toBeGreaterThan(85);
    expect(res.displacements.length).toBeGreaterThan(0.8 * res.measurements.length);
    const mag = robustSummary(res.displacements.map((d) => Math.hypot(d.dx, d.dy)));
    expect(mag.median).toBeLessThan(0.1 * res.summary.sideA.median);
  });

  it('DM3 survey (uncalibrated): one sublattice of rectangular cells, b / a close to sqrt(2)', async () => {
    const { frame } = await crop('DMReader_Image_SI-Survey.dm3', 128, 128, 256, 256);
    // the crop is too small for the Fourier spacing; 21.5 px is the first-order spacing of the whole frame (as --atom-spacing)
    const r = locateClassicalFrame(frame, 256, 256, { spacingPx: 21.5 });
    expect(r.atoms.every((t) => t.species === 'atom')).toBe(true);
    expect(r.atoms.length).toBeGreaterThan(150);
    const res = analyseCells(lattice(r.atoms, 'atom'), null);
    const ratio = res.summary.sideB.median / res.summary.sideA.median;
    expect(ratio).toBeGreaterThan(1.35);
    expect(ratio).toBeLessThan(1.5);
    expect(Math.abs(res.summary.angle.median - 90)).toBeLessThan(2);
  });
});
