import { describe, expect, it } from 'vitest';
import { besselI0Scaled, besselJ0, besselJ1 } from '../training/simulator/bessel.ts';
import { electronWavelengthPm, probeAt, probeProfile, radialGaussianBlur } from '../training/simulator/probe.ts';
import { annularCrossSectionPm2 } from '../training/simulator/detectorCrossSection.ts';

const ideal = { voltageKv: 60, convergenceMrad: 31, defocusNm: 0, csUm: 0, c5Mm: 0, sourceFwhmPm: 0 };

describe('Bessel functions (Abramowitz & Stegun polynomial approximations)', () => {
  it('match reference values (scipy.special j0, j1, i0e)', () => {
    // scipy.special (test/reference/simulatorBessel.py): j0(1), j0(2.5), j0(5), j0(12.3); j1(1), j1(-2), j1(7.7); i0e(0.5), i0e(3), i0e(10)
    expect(besselJ0(1)).toBeCloseTo(0.7651976865579666, 7);
    expect(besselJ0(2.5)).toBeCloseTo(-0.04838377646819799, 7);
    expect(besselJ0(5)).toBeCloseTo(-0.1775967713143383, 7);
    expect(besselJ0(12.3)).toBeCloseTo(0.11079795030758527, 6);
    expect(besselJ1(1)).toBeCloseTo(0.44005058574493355, 7);
    expect(besselJ1(-2)).toBeCloseTo(-0.5767248077568734, 7);
    expect(besselJ1(7.7)).toBeCloseTo(0.18131271532458798, 6);
    expect(besselI0Scaled(0.5)).toBeCloseTo(0.64503527044915, 6);
    expect(besselI0Scaled(3)).toBeCloseTo(0.2430003541618254, 6);
    expect(besselI0Scaled(10)).toBeCloseTo(0.1278333371634286, 6);
  });
});

describe('probe', () => {
  it('uses the relativistic electron wavelength (60 kV: 4.866 pm, 200 kV: 2.508 pm)', () => {
    expect(electronWavelengthPm(60)).toBeCloseTo(4.8661, 3);
    expect(electronWavelengthPm(200)).toBeCloseTo(2.5079, 3);
  });

  it('is the Airy pattern for an aberration-free aperture, normalised to unit integral', () => {
    const p = probeProfile(ideal, { kSteps: 600 });
    const kmax = 0.031 / p.wavelengthPm;
    expect(p.intensity[0]).toBeCloseTo(Math.PI * kmax * kmax, 9);
    for (const r of [15, 40, 70, 95, 130, 200]) {
      const v = 2 * Math.PI * kmax * r;
      const airy = Math.PI * kmax * kmax * (2 * besselJ1(v) / v) ** 2;
      expect(Math.abs(probeAt(p, r) - airy)).toBeLessThan(1e-4 * p.intensity[0]);
    }
    // first zero at 0.61 lambda / alpha = 3.8317 / (2 pi kmax)
    const zero = 3.8317 / (2 * Math.PI * kmax);
    let minR = 0;
    for (let r = 80; r < 110; r += 0.25) if (probeAt(p, r) < probeAt(p, minR)) minR = r;
    expect(minR).toBeCloseTo(zero, 0);
    // encircled energy of the Airy disk: 1 - J0(v)^2 - J1(v)^2 (Rayleigh)
    for (const r of [100, 300, 900]) {
      const v = 2 * Math.PI * kmax * r;
      expect(p.encircled[r]).toBeCloseTo(1 - besselJ0(v) ** 2 - besselJ1(v) ** 2, 3);
    }
    // FWHM of the Airy pattern: 1.029 lambda / (2 alpha)
    expect(p.fwhmPm).toBeCloseTo((1.029 * p.wavelengthPm) / (2 * 0.031), 0);
  });

  it('broadens with defocus and with the source size', () => {
    const f0 = probeProfile(ideal).fwhmPm;
    expect(probeProfile({ ...ideal, defocusNm: 8 }).fwhmPm).toBeGreaterThan(f0 * 1.1);
    expect(probeProfile({ ...ideal, sourceFwhmPm: 80 }).fwhmPm).toBeGreaterThan(f0 * 1.2);
    // defocus of either sign is symmetric when Cs = 0
    expect(probeProfile({ ...ideal, defocusNm: 5 }).intensity[0]).toBeCloseTo(probeProfile({ ...ideal, defocusNm: -5 }).intensity[0], 12);
  });

  it('radial Gaussian blur of a Gaussian adds the variances', () => {
    const s1 = 30;
    const s2 = 40;
    const prof = Float64Array.from({ length: 600 }, (_, i) => Math.exp(-(i * i) / (2 * s1 * s1)) / (2 * Math.PI * s1 * s1));
    const out = radialGaussianBlur(prof, 1, s2);
    const s = Math.hypot(s1, s2);
    for (const r of [0, 25, 60, 120]) {
      const want = Math.exp(-(r * r) / (2 * s * s)) / (2 * Math.PI * s * s);
      expect(Math.abs(out[r] / want - 1)).toBeLessThan(1e-3);
    }
  });

  it('rejects impossible optics with a named flag', () => {
    expect(() => probeProfile({ ...ideal, convergenceMrad: -3 })).toThrow(/^convergenceMrad: /);
    expect(() => probeProfile({ ...ideal, voltageKv: 0 })).toThrow(/^voltageKv: /);
  });
});

describe('detector cross-section', () => {
  it('grows with Z, shrinks with the inner angle, and is about 8 pm^2 for C at 60 kV on 80-200 mrad', () => {
    const c = annularCrossSectionPm2(6, 60, 80, 200);
    expect(c).toBeGreaterThan(6);
    expect(c).toBeLessThan(10);
    expect(annularCrossSectionPm2(14, 60, 80, 200)).toBeGreaterThan(3 * c);
    expect(annularCrossSectionPm2(6, 60, 40, 200)).toBeGreaterThan(2 * c);
    expect(() => annularCrossSectionPm2(6, 60, 200, 80)).toThrow(/^detector: /);
  });
});
