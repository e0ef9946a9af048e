import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { resolvePixelSize } from '../data/pixelSize.ts';
import { newRun } from '../data/runMetadata.ts';
import { bondLengthPm, firstOrderSpacingPm, pixelSizeFromBonds, pixelSizeFromSpacing } from '../inference/latticeScale.ts';
import { honeycombColumns } from '../training/simulator/lattices/honeycombImage.ts';

const root = path.resolve(__dirname, '..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

describe('resolvePixelSize: command line > run.json > file', () => {
  const file = { value: 15, origin: 'file' as const, note: 'scale + units' };
  it('takes the command line over everything', () => {
    expect(resolvePixelSize({ commandLinePm: 9, runJson: { value: 10, origin: 'lattice' }, file })).toEqual({ value: 9, origin: 'command-line' });
  });
  it('takes run.json over the file and keeps its origin, except command-line -> run.json', () => {
    expect(resolvePixelSize({ runJson: { value: 10, origin: 'lattice', note: 'n' }, file })).toEqual({ value: 10, origin: 'lattice', note: 'n' });
    expect(resolvePixelSize({ runJson: { value: 11, origin: 'command-line' }, file })).toEqual({ value: 11, origin: 'run.json' });
  });
  it('falls back to the file, then to unknown; an unknown run.json value does not hide the file', () => {
    expect(resolvePixelSize({ runJson: { value: null, origin: 'none' }, file })).toEqual(file);
    expect(resolvePixelSize({})).toEqual({ value: null, origin: 'none' });
  });
  it('newRun inherits the same way', () => {
    const prev = newRun('locate', []);
    prev.pixelSizePm = { value: 12, origin: 'command-line' };
    expect(newRun('track', [], prev).pixelSizePm).toEqual(resolvePixelSize({ runJson: prev.pixelSizePm }));
  });
});

describe('the callers use the one authority and the one lattice-scale module', () => {
  it('every command that reads --pixel-size resolves it through data/pixelSize.ts', () => {
    for (const f of ['track', 'classify', 'transitions']) {
      // the step (pipeline/<f>Step.ts) resolves it; the command passes the flag's value or resolves it the same way
      const step = read(`pipeline/${f}Step.ts`);
      expect(step, f).toMatch(/resolvePixelSize\(/);
      for (const src of [step, read(`cli/commands/${f}.ts`)]) expect(src, f).not.toMatch(/pickSourced[^\n]*pixel/i);
    }
    expect(read('inference/calibrationCheck.ts')).toMatch(/resolvePixelSize\(/);
  });
  it('no bond length or lattice-scale formula outside inference/latticeScale.ts and models/materials.ts', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(path.join(root, d), { withFileTypes: true })) {
        const rel = path.join(d, e.name);
        if (e.isDirectory()) walk(rel);
        else if (rel.endsWith('.ts')) files.push(rel);
      }
    };
    for (const d of ['cli', 'data', 'dynamics', 'inference', 'report', 'pipeline']) walk(d);
    for (const f of files) {
      if (f === path.join('inference', 'latticeScale.ts')) continue;
      const src = read(f);
      expect(src, f).not.toMatch(/HOST_BOND_PM|\b142 \/|d100 \/ /);
    }
    expect(read('dynamics/configurations/classifyConfigurations.ts')).toMatch(/pixelSizeFromBonds\(/);
    expect(read('inference/scaleFromAtoms.ts')).toMatch(/pixelSizeFromNearest\(/);
  });
});

describe('latticeScale', () => {
  it('Fourier spacing -> pixel size: graphene d100 = 213.04 pm, square d100 = a', () => {
    expect(firstOrderSpacingPm(246, '6mm')).toBeCloseTo(213.04, 1);
    expect(pixelSizeFromSpacing(213.04 / 8, 246, '6mm')).toBeCloseTo(8, 2);
    expect(pixelSizeFromSpacing(20, 390, '4mm')).toBe(19.5);
  });
  it('bond lengths come from the materials table', () => {
    expect(bondLengthPm('graphene')).toBe(142);
    expect(bondLengthPm('WSe2')).toBeCloseTo(328.2 / Math.sqrt(3), 6);
    expect(bondLengthPm(null, 'C')).toBe(142);
    expect(bondLengthPm(null, 'Xx')).toBeNull();
  });
  it('recovers the pixel size of a jittered honeycomb from its bonds', () => {
    const pxPm = 9.3, bond = 142;
    let k = 0;
    // the one lattice generator; ±0.05 px deterministic jitter
    const pts = honeycombColumns({ h: 300, w: 300, pxPm, bondPm: bond }).map((c) => ({ x: c.x + 0.05 * Math.sin(k * 12.9898), y: c.y + 0.05 * Math.cos(k++ * 78.233) }));
    expect(pixelSizeFromBonds([pts], bond)! / pxPm).toBeCloseTo(1, 2);
    expect(pixelSizeFromBonds([pts.slice(0, 5)], bond)).toBeNull();
  });
});
