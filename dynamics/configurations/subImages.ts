/**
 * Circular sub-images ("windows") cut from a frame around a centre, optionally seen under a point
 * group operation: the local-image descriptor of local crystallography (Belianinov et al., Nat.
 * Commun. 6, 7801 (2015)) and the image counterpart of neighbour vectors in the
 * transformation-invariant mixture.
 *
 * A window is a square grid of `side = 2 * samples + 1` points spaced `radiusPx / samples` pixels
 * apart, centred on the (sub-pixel) centre; grid point (row i, column j) sits at the y-up offset
 * `u = (j - samples, samples - i) * step`. Points farther than `(samples + 0.5) * step` from the
 * centre are outside the circle (mask false; half a step beyond the radius, so the outline is round). Values are bilinearly interpolated (pixel centres at integer coordinates,
 * docs/schema.md).
 *
 * Under an operation T (y-up 2x2 matrix) the window shows the instance transformed by T:
 * `W_T(u) = I(R(θ) T⁻¹ u)`, where θ is the lattice orientation, so an atom at vector a appears at
 * T a, as for neighbour vectors (pointGroups.applyOp).
 */
import type { SymmetryOp } from './pointGroups.ts';

/** Window geometry. */
export interface WindowSpec {
  /** Radius in input pixels (> 0). */
  radiusPx: number;
  /** Grid points per radius (>= 1); the window is (2 samples + 1)² points. */
  samples: number;
}

/** Side length (grid points) of a window. */
export function windowSide(spec: WindowSpec): number {
  return 2 * spec.samples + 1;
}

/** Which grid points lie inside the circle (row-major, side²). */
export function windowMask(spec: WindowSpec): Uint8Array {
  const side = windowSide(spec);
  const m = new Uint8Array(side * side);
  const s = spec.samples;
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) m[i * side + j] = (j - s) ** 2 + (i - s) ** 2 <= (s + 0.5) ** 2 ? 1 : 0;
  return m;
}

/** Bilinear sample of a frame at (x, y) px; NaN outside [0, width-1] x [0, height-1]. */
export function bilinear(frame: ArrayLike<number>, width: number, height: number, x: number, y: number): number {
  if (!(x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1)) return NaN;
  const x0 = Math.min(Math.floor(x), width - 2 < 0 ? 0 : width - 2);
  const y0 = Math.min(Math.floor(y), height - 2 < 0 ? 0 : height - 2);
  const fx = x - x0;
  const fy = y - y0;
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  // terms of zero weight are skipped, so that a NaN neighbour (outside a window's circle) does not
  // spoil a sample that falls exactly on a grid line
  let v = 0;
  if (fy < 1) {
    if (fx < 1) v += (1 - fy) * (1 - fx) * frame[y0 * width + x0];
    if (fx > 0) v += (1 - fy) * fx * frame[y0 * width + x1];
  }
  if (fy > 0) {
    if (fx < 1) v += fy * (1 - fx) * frame[y1 * width + x0];
    if (fx > 0) v += fy * fx * frame[y1 * width + x1];
  }
  return v;
}

/**
 * Cut one window.
 * @param frame float32 `[height * width]`, row-major
 * @param cx centre column, px
 * @param cy centre row, px
 * @param latticeAngleRad lattice orientation (window axes follow the lattice frame)
 * @param op optional operation under which the window is seen
 * @returns side² values (NaN outside the circle or outside the frame) and whether the whole
 *   circle lay inside the frame
 */
export function cutWindow(
  frame: ArrayLike<number>,
  width: number,
  height: number,
  cx: number,
  cy: number,
  spec: WindowSpec,
  latticeAngleRad = 0,
  op?: SymmetryOp,
): { values: Float32Array; inside: boolean } {
  const side = windowSide(spec);
  const s = spec.samples;
  const step = spec.radiusPx / spec.samples;
  const out = new Float32Array(side * side);
  // inverse of op (orthogonal): transpose
  let ia = 1;
  let ib = 0;
  let ic = 0;
  let id = 1;
  if (op) [ia, ic, ib, id] = op.matrix;
  const c = Math.cos(latticeAngleRad);
  const sn = Math.sin(latticeAngleRad);
  let inside = true;
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const gi = j - s;
      const gj = s - i;
      if (gi * gi + gj * gj > (s + 0.5) ** 2) {
        out[i * side + j] = NaN;
        continue;
      }
      const ux = gi * step;
      const uy = gj * step;
      // T⁻¹ u, then rotate into the image frame
      const vx = ia * ux + ib * uy;
      const vy = ic * ux + id * uy;
      const wx = c * vx - sn * vy;
      const wy = sn * vx + c * vy;
      const v = bilinear(frame, width, height, cx + wx, cy - wy);
      if (Number.isNaN(v)) inside = false;
      out[i * side + j] = v;
    }
  }
  return { values: out, inside };
}

/**
 * A window seen under an operation, computed from the window itself (bilinear on the window grid):
 * `W'(u) = W(T⁻¹ u)`. Points mapped outside the circle are NaN.
 */
export function transformWindow(w: ArrayLike<number>, spec: WindowSpec, op: SymmetryOp): Float32Array {
  const side = windowSide(spec);
  const s = spec.samples;
  const [a, b, c, d] = op.matrix;
  const out = new Float32Array(side * side);
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const ux = j - s;
      const uy = s - i;
      if (ux * ux + uy * uy > (s + 0.5) ** 2) {
        out[i * side + j] = NaN;
        continue;
      }
      // T⁻¹ = Tᵀ
      const vx = a * ux + c * uy;
      const vy = b * ux + d * uy;
      const x = vx + s;
      const y = s - vy;
      out[i * side + j] = bilinear(w, side, side, Math.min(Math.max(x, 0), side - 1), Math.min(Math.max(y, 0), side - 1));
    }
  }
  return out;
}

/** The in-circle values of a window as a feature vector (NaN replaced by `fill`). */
export function windowFeatures(w: ArrayLike<number>, mask: Uint8Array, fill = 0): Float64Array {
  let n = 0;
  for (const m of mask) n += m;
  const out = new Float64Array(n);
  let p = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const v = w[i];
    out[p++] = Number.isNaN(v) ? fill : v;
  }
  return out;
}

/** Inverse of {@link windowFeatures}: a full window with NaN outside the circle. */
export function featuresToWindow(f: ArrayLike<number>, mask: Uint8Array): Float32Array {
  const out = new Float32Array(mask.length).fill(NaN);
  let p = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[i] = f[p++];
  return out;
}
