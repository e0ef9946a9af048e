import { describe, expect, it } from 'vitest';
import { formatNumber, lengthToPm, timeToSeconds } from '../data/units.ts';
import { decodePixels, firstNonFinite } from '../data/readers/pixelDecode.ts';
import { stackShape } from '../data/readers/arrayShape.ts';

describe('units', () => {
  it('lengths to pm, including ImageJ and Unicode spellings', () => {
    expect(lengthToPm(0.03125, 'nm')).toBe(31.25);
    expect(lengthToPm(1.062231596676199e-11, 'm')).toBeCloseTo(10.62231596676199, 12);
    expect(lengthToPm(0.5, 'Å')).toBe(50);
    expect(lengthToPm(0.5, '\u212B')).toBe(50);
    expect(lengthToPm(0.5, 'A')).toBe(50);
    expect(lengthToPm(2, '\\u00B5m')).toBe(2e6);
    expect(lengthToPm(2, '\u03bcm')).toBe(2e6);
    expect(lengthToPm(2, 'micron')).toBe(2e6);
    expect(lengthToPm(1, '')).toBeNull();
    expect(lengthToPm(1, 'px')).toBeNull();
    expect(lengthToPm(0, 'nm')).toBeNull();
    expect(lengthToPm(1, 'M')).toBeNull();
  });
  it('times to seconds', () => {
    expect(timeToSeconds(40, 'ms')).toBeCloseTo(0.04, 15);
    expect(timeToSeconds(9.9, 'µs')).toBeCloseTo(9.9e-6, 15);
    expect(timeToSeconds(2, 'min')).toBe(120);
    expect(timeToSeconds(1, 'eV')).toBeNull();
  });
  it('formats numbers to significant digits', () => {
    expect(formatNumber(17.578125)).toBe('17.5781');
    expect(formatNumber(31.25)).toBe('31.25');
    expect(formatNumber(1.062231596676199e-11)).toBe('1.06223e-11');
  });
});

describe('pixel decoding', () => {
  it('float16 known answers, both byte orders', () => {
    const le = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00]);
    const f = decodePixels(le, 'float16', true, 4);
    expect(Array.from(f)).toEqual([1, -2, 65504, 2 ** -24]);
    const be = Uint8Array.from([0x3c, 0x00, 0xc0, 0x00]);
    expect(Array.from(decodePixels(be, 'float16', false, 2))).toEqual([1, -2]);
  });
  it('unaligned typed data goes through DataView', () => {
    const b = new Uint8Array(9);
    new DataView(b.buffer).setFloat64(1, -1.25, true);
    expect(Array.from(decodePixels(b.subarray(1), 'float64', true, 1))).toEqual([-1.25]);
  });
  it('firstNonFinite finds NaN and ±Inf', () => {
    expect(firstNonFinite(Float32Array.from([1, 2, 3]))).toBe(-1);
    expect(firstNonFinite(Float32Array.from([1, NaN, 3]))).toBe(1);
    expect(firstNonFinite(Float32Array.from([1, 2, -Infinity]))).toBe(2);
  });
});

describe('array shapes', () => {
  it('drops size-1 axes and finds frames, rows, columns', () => {
    expect(stackShape('f', [1, 256, 256, 1])).toMatchObject({ count: 1, height: 256, width: 256, frameAxis: -1, rowAxis: 1, colAxis: 2 });
    expect(stackShape('f', [5, 1, 128, 64])).toMatchObject({ count: 5, height: 128, width: 64, frameAxis: 0, rowAxis: 2, colAxis: 3 });
    expect(() => stackShape('f', [1, 7])).toThrow(/f: 1-D array \(shape \(1, 7\)\)/);
    expect(() => stackShape('f', [2, 3, 4, 5])).toThrow(/4-D array/);
    expect(() => stackShape('f', [])).toThrow(/scalar/);
  });
});
