import { describe, expect, it } from 'vitest';
import { inRegion, parseFrameRange, parseRegion, selectFrames } from '../data/frameSelection.ts';
import type { FrameStack } from '../data/frameStack.ts';

/** A 5-frame 4x3 stack whose pixel (frame f, x, y) holds 100 f + 10 y + x. */
function stack(): FrameStack {
  return {
    path: 'movie.tif', format: 'tiff', count: 5, height: 3, width: 4, dtype: 'float32', metadata: {},
    calibration: { pixelSizePm: { value: 10, origin: 'file' }, frameTimeS: { value: null, origin: 'none' } },
    async readFrame(f: number) {
      return Float32Array.from({ length: 12 }, (_, i) => 100 * f + 10 * Math.floor(i / 4) + (i % 4));
    },
    async close() {},
  };
}

describe('part of a movie', () => {
  it('parses START:STOP[:STEP] as Python slices without negatives, and X,Y,W,H', () => {
    expect(parseFrameRange('2:10')).toEqual({ start: 2, stop: 10, step: 1 });
    expect(parseFrameRange('0:50:5')).toEqual({ start: 0, stop: 50, step: 5 });
    expect(parseFrameRange(':7')).toEqual({ start: 0, stop: 7, step: 1 });
    expect(parseFrameRange('3:')).toEqual({ start: 3, stop: null, step: 1 });
    for (const bad of ['5', '-1:4', '1:2:3:4', 'a:b', '4:4', '6:2', '0:4:0', '1.5:3']) expect(() => parseFrameRange(bad), bad).toThrow(/^frameRange: /);
    expect(parseRegion('10,20,30,40')).toEqual({ x: 10, y: 20, width: 30, height: 40 });
    for (const bad of ['1,2,3', '1,2,3,0', '-1,0,4,4', '1,2,3,4.5', 'a,b,c,d']) expect(() => parseRegion(bad), bad).toThrow(/^roi: /);
  });

  it('selects frames by their movie index and checks range and region against the movie', async () => {
    const s = selectFrames(stack(), parseFrameRange('1:5:2'));
    expect(s.frames).toEqual([1, 3]);
    expect(s.stack.count).toBe(2);
    expect(Array.from(await s.stack.readFrame(1))).toEqual(Array.from(await stack().readFrame(3)));
    await expect(s.stack.readFrame(2)).rejects.toThrow(/frame 2 requested, the selection holds 2/);
    expect(selectFrames(stack(), parseFrameRange('2:')).frames).toEqual([2, 3, 4]);
    const all = stack();
    expect(selectFrames(all, null, parseRegion('0,0,4,3')).stack).toBe(all);
    expect(() => selectFrames(stack(), parseFrameRange('5:9'))).toThrow(/^frameRange: 5:9:1 selects no frame of movie\.tif, which has 5 frame/);
    expect(() => selectFrames(stack(), parseFrameRange('0:6'))).toThrow(/^frameRange: STOP 6 is past the end/);
    expect(() => selectFrames(stack(), null, parseRegion('1,1,4,2'))).toThrow(/^roi: 1,1,4,2 does not lie inside the 4x3 px frames/);
  });

  it('a region holds the positions of its pixels: [x - 0.5, x + w - 0.5) x [y - 0.5, y + h - 0.5)', () => {
    const r = parseRegion('10,20,5,4');
    expect(inRegion(r, 9.5, 19.5)).toBe(true);
    expect(inRegion(r, 9.49, 20)).toBe(false);
    expect(inRegion(r, 14.49, 23.49)).toBe(true);
    expect(inRegion(r, 14.5, 22)).toBe(false);
    expect(inRegion(r, 12, 23.5)).toBe(false);
  });
});
