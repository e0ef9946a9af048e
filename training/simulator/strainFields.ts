/**
 * Known strain fields for validating strain measurement: a displacement field u(X) applied to the sites
 * X of a perfect 2-D lattice, with the analytic small strain and rotation at any point.
 *
 * Fields: `uniform` (a constant displacement gradient), `gradient` (e_xx growing linearly along x,
 * u_x = g (x - x0)² / 2), and `edge-dislocation` (the isotropic-elasticity Volterra field of an edge
 * dislocation with Burgers vector b along +x and line along z, Hirth & Lothe, Theory of Dislocations,
 * 2nd ed. (1982), eqs. 3-45: u_x = b/2π [θ + xy / (2(1-ν) r²)],
 * u_y = -b/2π [(1-2ν)/(4(1-ν)) ln r² + (x² - y²) / (4(1-ν) r²)], θ = atan2(y, x) with its cut along -x).
 * Coordinates are image axes (x right, y down) in any one length unit.
 */
import { Random } from '../../data/random.ts';

/** A displacement field: u(x, y) in the unit of the positions. */
export type DisplacementField = (x: number, y: number) => [number, number];

/** Constant displacement gradient: u = G (X - origin), G = [[gxx, gxy], [gyx, gyy]] (G_ij = du_i/dx_j). */
export function uniformField(g: { gxx: number; gxy: number; gyx: number; gyy: number }, origin: [number, number] = [0, 0]): DisplacementField {
  return (x, y) => {
    const dx = x - origin[0], dy = y - origin[1];
    return [g.gxx * dx + g.gxy * dy, g.gyx * dx + g.gyy * dy];
  };
}

/** e_xx = g (x - x0): u_x = g (x - x0)² / 2, u_y = 0. */
export function gradientField(g: number, x0: number): DisplacementField {
  return (x) => [(g * (x - x0) ** 2) / 2, 0];
}

/**
 * Edge dislocation at (cx, cy) with Burgers vector (burgers, 0) and Poisson ratio nu.
 * @param burgers Burgers vector length (a lattice spacing along x for a full dislocation)
 */
export function edgeDislocationField(burgers: number, cx: number, cy: number, nu = 0.3): DisplacementField {
  return (x, y) => {
    const dx = x - cx, dy = y - cy;
    const r2 = dx * dx + dy * dy;
    if (r2 === 0) return [0, 0];
    const ux = (burgers / (2 * Math.PI)) * (Math.atan2(dy, dx) + (dx * dy) / (2 * (1 - nu) * r2));
    const uy = -(burgers / (2 * Math.PI)) * (((1 - 2 * nu) / (4 * (1 - nu))) * Math.log(r2) + (dx * dx - dy * dy) / (4 * (1 - nu) * r2));
    return [ux, uy];
  };
}

/**
 * Small strain and rotation of a field at a point, from its displacement gradient by central
 * differences (step h; away from the dislocation cut).
 * @returns exx, eyy, exy (tensor shear), rotation in degrees counter-clockwise on screen (y down)
 */
export function strainAt(u: DisplacementField, x: number, y: number, h = 1e-4): { exx: number; eyy: number; exy: number; rotation: number } {
  const [uxp, uyp] = u(x + h, y), [uxm, uym] = u(x - h, y);
  const [vxp, vyp] = u(x, y + h), [vxm, vym] = u(x, y - h);
  const f11 = 1 + (uxp - uxm) / (2 * h), f21 = (uyp - uym) / (2 * h);
  const f12 = (vxp - vxm) / (2 * h), f22 = 1 + (vyp - vym) / (2 * h);
  return { exx: f11 - 1, eyy: f22 - 1, exy: (f12 + f21) / 2, rotation: (Math.atan2(f12 - f21, f11 + f22) * 180) / Math.PI };
}

/** Atoms of a displaced lattice with their true and noisy positions. */
export interface StrainedLattice {
  /** Reference (undisplaced) sites. */
  x0: Float64Array;
  y0: Float64Array;
  /** Displaced, noise-free positions. */
  xTrue: Float64Array;
  yTrue: Float64Array;
  /** Displaced positions plus Gaussian noise of standard deviation `noise` per coordinate. */
  x: Float64Array;
  y: Float64Array;
}

/**
 * Sites n a + m b + origin for 0 <= n < na, 0 <= m < nb, displaced by `u` and by seeded Gaussian noise.
 * @param noise position noise standard deviation per coordinate (same unit)
 * @param seed seed of the noise
 */
export function strainedLattice(a: [number, number], b: [number, number], na: number, nb: number, origin: [number, number], u: DisplacementField, noise: number, seed: number): StrainedLattice {
  const n = na * nb;
  const out: StrainedLattice = { x0: new Float64Array(n), y0: new Float64Array(n), xTrue: new Float64Array(n), yTrue: new Float64Array(n), x: new Float64Array(n), y: new Float64Array(n) };
  const rng = new Random(seed);
  let k = 0;
  for (let m = 0; m < nb; m++) {
    for (let i = 0; i < na; i++) {
      const X = origin[0] + i * a[0] + m * b[0], Y = origin[1] + i * a[1] + m * b[1];
      const [ux, uy] = u(X, Y);
      out.x0[k] = X;
      out.y0[k] = Y;
      out.xTrue[k] = X + ux;
      out.yTrue[k] = Y + uy;
      out.x[k] = X + ux + noise * rng.normal();
      out.y[k] = Y + uy + noise * rng.normal();
      k++;
    }
  }
  return out;
}

/**
 * A HAADF-like image of atom columns: a Gaussian of standard deviation `columnSigmaPx` and peak
 * `counts` (electrons) at every position, on a flat background, with Poisson (shot) noise.
 * @param xs, ys column positions in px (x column, y row)
 * @returns float32 `[height * width]`
 */
export function columnImage(xs: ArrayLike<number>, ys: ArrayLike<number>, height: number, width: number, columnSigmaPx: number, counts: number, background: number, seed: number): Float32Array {
  const img = new Float32Array(height * width);
  const r = 5 * columnSigmaPx;
  for (let k = 0; k < xs.length; k++) {
    const x0 = xs[k], y0 = ys[k];
    for (let y = Math.max(0, Math.floor(y0 - r)); y <= Math.min(height - 1, Math.ceil(y0 + r)); y++) {
      for (let x = Math.max(0, Math.floor(x0 - r)); x <= Math.min(width - 1, Math.ceil(x0 + r)); x++) {
        img[y * width + x] += counts * Math.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * columnSigmaPx ** 2));
      }
    }
  }
  const rng = new Random(seed);
  for (let i = 0; i < img.length; i++) img[i] = rng.poisson(img[i] + background);
  return img;
}
