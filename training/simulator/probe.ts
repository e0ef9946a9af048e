/**
 * The STEM probe: intensity of an aberration-limited, radially symmetric probe, computed from the
 * aperture function, then blurred by a Gaussian for the finite effective source size (and the
 * atoms' own thermal/object width).
 *
 * Probe wave function (Kirkland, Advanced Computing in Electron Microscopy, 2nd ed., 2010, ch. 3):
 *   psi(r) = integral over |k| < kmax of exp(-i chi(k)) exp(2 pi i k.r) d2k
 *          = integral_0^kmax exp(-i chi(k)) J0(2 pi k r) 2 pi k dk        (Hankel transform; exact
 *            for the round aberrations defocus, Cs, C5 - astigmatism and coma are not modelled)
 *   chi(k) = pi lambda k^2 (-df + Cs lambda^2 k^2 / 2 + C5 lambda^4 k^4 / 3),  kmax = alpha / lambda,
 * with df > 0 underfocus. The integral is evaluated by the midpoint rule (`kSteps` points) on a
 * radial grid, and the intensity normalised by Parseval, P(r) = |psi(r)|^2 / (pi kmax^2), so that
 * its integral over the plane is 1 (units 1/pm^2). For df = Cs = C5 = 0 this is the Airy pattern
 * P(r) = pi kmax^2 [2 J1(v) / v]^2, v = 2 pi kmax r (checked in test/simulatorProbe.test.ts).
 *
 * The source blur is a 2-D convolution with a Gaussian of standard deviation s, done radially:
 *   (P * G)(r) = integral_0^inf P(r') (r'/s^2) exp(-(r - r')^2 / 2s^2) I0e(r r'/s^2) dr'
 * (I0e the exponentially scaled modified Bessel function).
 */
import { AtomdynError } from '../../data/errors.ts';
import { besselI0Scaled, besselJ0 } from './bessel.ts';

/** Probe-forming optics. */
export interface ProbeParams {
  /** Accelerating voltage, kV. Default 60. */
  voltageKv: number;
  /** Convergence semi-angle of the probe-forming aperture, mrad. Default 31. */
  convergenceMrad: number;
  /** Defocus, nm; positive = underfocus (Kirkland's sign). Default 0. */
  defocusNm: number;
  /** Third-order spherical aberration Cs, um. Default 0 (aberration-corrected). */
  csUm: number;
  /** Fifth-order spherical aberration C5, mm. Default 0. */
  c5Mm: number;
  /** FWHM of the Gaussian blur from the effective source size plus the atoms' object width, pm. Default 60. */
  sourceFwhmPm: number;
}

/** A 60 kV aberration-corrected instrument (Nion UltraSTEM-like): 31 mrad, no residual aberrations. */
export const DEFAULT_PROBE: Readonly<ProbeParams> = {
  voltageKv: 60,
  convergenceMrad: 31,
  defocusNm: 0,
  csUm: 0,
  c5Mm: 0,
  sourceFwhmPm: 60,
};

/** A tabulated radial probe intensity. */
export interface ProbeProfile {
  /** The optics it was computed for. */
  params: ProbeParams;
  /** Electron wavelength, pm. */
  wavelengthPm: number;
  /** Radial step of the tables, pm. */
  stepPm: number;
  /** P(r) at r = i * stepPm, 1/pm^2 (integral over the plane = 1 up to the tail beyond the table). */
  intensity: Float64Array;
  /** Encircled fraction: integral of P over the disk of radius i * stepPm. */
  encircled: Float64Array;
  /** Radius within which images are rendered, pm (encircled fraction >= `encircledTarget`, capped by the table). */
  radiusPm: number;
  /** 1 - encircled(radiusPm): the fraction of each atom's signal that falls outside the render radius. */
  tailFraction: number;
  /** Full width at half maximum of P, pm. */
  fwhmPm: number;
}

/**
 * Relativistic electron wavelength, pm: lambda = h / sqrt(2 m0 e V (1 + e V / (2 m0 c^2))).
 * 60 kV -> 4.866 pm, 200 kV -> 2.508 pm.
 */
export function electronWavelengthPm(voltageKv: number): number {
  const v = voltageKv * 1000;
  return 1226.39 / Math.sqrt(v * (1 + 0.97845e-6 * v));
}

/** Aberration phase chi(k), radians, for spatial frequency k (1/pm). */
export function aberrationPhase(k: number, p: ProbeParams, lambdaPm: number): number {
  const k2 = k * k;
  const l2 = lambdaPm * lambdaPm;
  const df = p.defocusNm * 1e3;
  const cs = p.csUm * 1e6;
  const c5 = p.c5Mm * 1e9;
  return Math.PI * lambdaPm * k2 * (-df + 0.5 * cs * l2 * k2 + (c5 * l2 * l2 * k2 * k2) / 3);
}

/**
 * Check probe parameters.
 * @throws AtomdynError naming the offending parameter
 */
export function validateProbe(p: ProbeParams): void {
  if (!(p.voltageKv > 0 && p.voltageKv <= 1000)) throw AtomdynError.forOption('voltageKv', `accelerating voltage must be in (0, 1000] kV, got ${p.voltageKv}`);
  if (!(p.convergenceMrad > 0 && p.convergenceMrad <= 100)) throw AtomdynError.forOption('convergenceMrad', `convergence semi-angle must be in (0, 100] mrad, got ${p.convergenceMrad}`);
  if (!Number.isFinite(p.defocusNm)) throw AtomdynError.forOption('defocusNm', `defocus must be a number of nm, got ${p.defocusNm}`);
  if (!Number.isFinite(p.csUm)) throw AtomdynError.forOption('csUm', `Cs must be a number of um, got ${p.csUm}`);
  if (!Number.isFinite(p.c5Mm)) throw AtomdynError.forOption('c5Mm', `C5 must be a number of mm, got ${p.c5Mm}`);
  if (!(p.sourceFwhmPm >= 0 && p.sourceFwhmPm < 1000)) throw AtomdynError.forOption('sourceFwhmPm', `source size must be in [0, 1000) pm, got ${p.sourceFwhmPm}`);
}

/**
 * Compute the radial probe intensity table.
 *
 * @param opts.stepPm radial step, pm (default 1)
 * @param opts.maxRadiusPm table extent, pm (default 1000)
 * @param opts.kSteps midpoint-rule points over the aperture (default 400)
 * @param opts.encircledTarget encircled fraction that sets the render radius (default 0.97)
 * @throws AtomdynError for invalid optics (see {@link validateProbe})
 */
export function probeProfile(
  params: ProbeParams = DEFAULT_PROBE,
  opts: { stepPm?: number; maxRadiusPm?: number; kSteps?: number; encircledTarget?: number } = {},
): ProbeProfile {
  validateProbe(params);
  const step = opts.stepPm ?? 1;
  const rmax = opts.maxRadiusPm ?? 1000;
  const nk = opts.kSteps ?? 400;
  const target = opts.encircledTarget ?? 0.97;
  const lambda = electronWavelengthPm(params.voltageKv);
  const kmax = params.convergenceMrad / 1000 / lambda;
  const nr = Math.floor(rmax / step) + 1;
  const dk = kmax / nk;
  const ks = new Float64Array(nk);
  const wr = new Float64Array(nk);
  const wi = new Float64Array(nk);
  for (let i = 0; i < nk; i++) {
    const k = (i + 0.5) * dk;
    const chi = aberrationPhase(k, params, lambda);
    ks[i] = 2 * Math.PI * k;
    wr[i] = Math.cos(chi) * 2 * Math.PI * k * dk;
    wi[i] = -Math.sin(chi) * 2 * Math.PI * k * dk;
  }
  const norm = 1 / (Math.PI * kmax * kmax);
  let intensity: Float64Array = new Float64Array(nr);
  for (let j = 0; j < nr; j++) {
    const r = j * step;
    let re = 0;
    let im = 0;
    for (let i = 0; i < nk; i++) {
      const b = besselJ0(ks[i] * r);
      re += wr[i] * b;
      im += wi[i] * b;
    }
    intensity[j] = (re * re + im * im) * norm;
  }
  const s = params.sourceFwhmPm / (2 * Math.sqrt(2 * Math.LN2));
  if (s > step / 4) intensity = radialGaussianBlur(intensity, step, s);
  const encircled = new Float64Array(nr);
  for (let j = 1; j < nr; j++) {
    const r0 = (j - 1) * step;
    const r1 = j * step;
    encircled[j] = encircled[j - 1] + Math.PI * (r1 - r0) * (intensity[j - 1] * r0 + intensity[j] * r1);
  }
  let jr = nr - 1;
  for (let j = 0; j < nr; j++) {
    if (encircled[j] >= target) {
      jr = j;
      break;
    }
  }
  let fwhm = 0;
  for (let j = 1; j < nr; j++) {
    if (intensity[j] < intensity[0] / 2) {
      const f = (intensity[j - 1] - intensity[0] / 2) / (intensity[j - 1] - intensity[j]);
      fwhm = 2 * (j - 1 + f) * step;
      break;
    }
  }
  return {
    params: { ...params },
    wavelengthPm: lambda,
    stepPm: step,
    intensity,
    encircled,
    radiusPm: jr * step,
    tailFraction: Math.max(0, 1 - encircled[jr]),
    fwhmPm: fwhm,
  };
}

/** 2-D Gaussian blur (standard deviation s, pm) of a radial profile sampled at r = i * step. */
export function radialGaussianBlur(profile: Float64Array, step: number, s: number): Float64Array {
  const n = profile.length;
  const out = new Float64Array(n);
  const s2 = s * s;
  const reach = Math.ceil((6 * s) / step);
  for (let j = 0; j < n; j++) {
    const r = j * step;
    let acc = 0;
    const lo = Math.max(0, j - reach);
    const hi = Math.min(n - 1, j + reach);
    for (let i = lo; i <= hi; i++) {
      const rp = i * step;
      const w = (rp / s2) * Math.exp(-((r - rp) * (r - rp)) / (2 * s2)) * besselI0Scaled((r * rp) / s2);
      acc += (i === lo || i === hi ? 0.5 : 1) * w * profile[i];
    }
    out[j] = acc * step;
  }
  return out;
}

/** P(r) by linear interpolation in the table, 1/pm^2 (0 beyond the table). */
export function probeAt(profile: ProbeProfile, rPm: number): number {
  const t = rPm / profile.stepPm;
  const i = Math.floor(t);
  const tab = profile.intensity;
  if (i >= tab.length - 1) return 0;
  const f = t - i;
  return tab[i] * (1 - f) + tab[i + 1] * f;
}
