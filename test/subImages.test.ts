/** Tests of dynamics/configurations/subImages.ts: sampling, orientation conventions, the circle mask, frame edges. */
import { describe, expect, it } from 'vitest';
import { cutWindow, transformWindow, windowMask, windowSide, windowFeatures, featuresToWindow, bilinear } from '../dynamics/configurations/subImages.ts';
import { pointGroup } from '../dynamics/configurations/pointGroups.ts';

const W = 64;
const H = 48;
function frameOf(f: (x: number, y: number) => number): Float32Array {
  const a = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) a[y * W + x] = f(x, y);
  return a;
}

describe('sub-images', () => {
  it('interpolates bilinearly: exact on a linear ramp at sub-pixel positions, NaN outside the frame', () => {
    const ramp = frameOf((x, y) => 2 * x - 3 * y + 1);
    expect(bilinear(ramp, W, H, 10.25, 7.5)).toBeCloseTo(2 * 10.25 - 3 * 7.5 + 1, 4);
    expect(bilinear(ramp, W, H, 63, 47)).toBeCloseTo(2 * 63 - 3 * 47 + 1, 4);
    expect(bilinear(ramp, W, H, -0.1, 3)).toBeNaN();
    const spec = { radiusPx: 6, samples: 6 };
    const { values, inside } = cutWindow(ramp, W, H, 30.5, 20.25, spec);
    expect(inside).toBe(true);
    const side = windowSide(spec);
    // grid point (row i, column j) sits at x = cx + (j - s), y = cy + (i - s) (y down)
    for (const [i, j] of [[6, 6], [2, 9], [10, 4]]) {
      expect(values[i * side + j]).toBeCloseTo(2 * (30.5 + j - 6) - 3 * (20.25 + i - 6) + 1, 4);
    }
    expect(values[0]).toBeNaN(); // corner: outside the circle
  });

  it('shows the instance transformed by an operation, consistently with neighbour vectors', () => {
    // a bright spot 5 px to the right of the centre; R90 (counter-clockwise on screen) moves it 5 px up
    const cx = 32;
    const cy = 24;
    const spot = frameOf((x, y) => Math.exp(-((x - cx - 5) ** 2 + (y - cy) ** 2) / 2));
    const spec = { radiusPx: 8, samples: 8 };
    const side = windowSide(spec);
    const g = pointGroup('4mm');
    const w90 = cutWindow(spot, W, H, cx, cy, spec, 0, g.ops[1]).values;
    const argmax = (w: Float32Array) => w.reduce((b, v, i) => (!Number.isNaN(v) && v > w[b] ? i : b), side * 8 + 8);
    expect(argmax(w90)).toBe((8 - 5) * side + 8); // row above the centre
    // transforming the identity window on its own grid gives the same (90° is exact on the grid)
    const w0 = cutWindow(spot, W, H, cx, cy, spec).values;
    const t = transformWindow(w0, spec, g.ops[1]);
    for (let i = 0; i < t.length; i++) if (!Number.isNaN(w90[i])) expect(t[i]).toBeCloseTo(w90[i], 5);
    // the lattice angle rotates the window axes: with the lattice at 90°, the spot (image +x) appears at window -y
    const wl = cutWindow(spot, W, H, cx, cy, spec, Math.PI / 2).values;
    expect(argmax(wl)).toBe((8 + 5) * side + 8);
    // mirror across x: the spot stays
    const wm = cutWindow(spot, W, H, cx, cy, spec, 0, g.ops[4]).values;
    expect(argmax(wm)).toBe(8 * side + 13);
  });

  it('masks a round window, round-trips features, and flags windows that leave the frame', () => {
    const spec = { radiusPx: 5, samples: 5 };
    const mask = windowMask(spec);
    const n = mask.reduce((a, b) => a + b, 0);
    expect(Math.abs(n - Math.PI * 5.5 * 5.5)).toBeLessThan(8);
    const frame = frameOf((x, y) => x + 100 * y);
    const w = cutWindow(frame, W, H, 20, 20, spec).values;
    const f = windowFeatures(w, mask);
    expect(f.length).toBe(n);
    const back = featuresToWindow(f, mask);
    for (let i = 0; i < w.length; i++) if (mask[i]) expect(back[i]).toBeCloseTo(w[i], 5);
    const edge = cutWindow(frame, W, H, 2, 20, spec);
    expect(edge.inside).toBe(false);
    expect(windowFeatures(edge.values, mask, -1).includes(-1)).toBe(true);
  });
});
