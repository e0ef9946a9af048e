import { describe, expect, it } from 'vitest';
import { Random, lgamma } from '../data/random.ts';

describe('Random', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = new Random(42), b = new Random(42), c = new Random(43);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('normal and poisson have the right mean and variance', () => {
    const r = new Random(7);
    const n = 40000;
    for (const lambda of [0.5, 4, 80]) {
      let s = 0, s2 = 0;
      for (let i = 0; i < n; i++) { const k = r.poisson(lambda); s += k; s2 += k * k; }
      const mean = s / n, v = s2 / n - mean * mean;
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(v / lambda).toBeGreaterThan(0.95);
      expect(v / lambda).toBeLessThan(1.05);
    }
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });

  it('gamma variates have mean = shape', () => {
    const r = new Random(3);
    for (const k of [0.3, 2.5]) {
      let s = 0;
      for (let i = 0; i < 20000; i++) s += r.gamma(k);
      expect(Math.abs(s / 20000 - k)).toBeLessThan(0.05 * k + 0.02);
    }
  });

  it('lgamma matches factorials', () => {
    expect(lgamma(1)).toBeCloseTo(0, 10);
    expect(lgamma(6)).toBeCloseTo(Math.log(120), 10);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });
});
