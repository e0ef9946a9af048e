import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSimulatedSourceFactory, SIMULATOR_MODULE } from '../cli/commands/train.ts';
import { AtomdynError } from '../data/errors.ts';
import { onnxFileName } from '../models/onnxFile.ts';

const bin = path.resolve('bin/atomdyn.mjs');
const run = (args: string[]) => spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, ATOMDYN_QUIET: '1' } });

describe('atomdyn train', () => {
  it('has help listing its flags', () => {
    const r = run(['train', '--help']);
    expect(r.status).toBe(0);
    for (const flag of ['--lattice', '--out', '--steps', '--batch', '--patch', '--filters', '--pixel-size', '--seed', '--resume']) expect(r.stdout).toContain(flag);
  });

  it('rejects a bad lattice or patch with one line and exit code 2', () => {
    const a = run(['train', '--lattice', 'silicon', '--out', os.tmpdir()]);
    expect(a.status).toBe(2);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toMatch(/--lattice: must be graphene or mx2/);
    const b = run(['train', '--lattice', 'graphene', '--patch', '100', '--out', os.tmpdir()]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--patch: must be a positive multiple of 8/);
    const c = run(['train', '--lattice', 'graphene', '--dose-range', '4e6,1e5', '--out', os.tmpdir()]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/--dose-range: must be two doses .* got '4e6,1e5'/);
    const d = run(['train', '--lattice', 'graphene', '--model-version', 'two', '--out', os.tmpdir()]);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/--model-version: must be a version like 2.1.0, got 'two'/);
  });

  it('loads the simulator factory, or says clearly that it is missing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-train-'));
    try {
      await expect(loadSimulatedSourceFactory(path.join(dir, 'simulatedSource.ts'))).rejects.toThrow(/--lattice: the image simulator .* is not part of this installation/);
      const fake = path.join(dir, 'fake.mjs');
      writeFileSync(fake, 'export function createSimulatedSource(o) { return { species: ["C"], seed: o.seed }; }\n');
      const f = await loadSimulatedSourceFactory(fake);
      expect(await f({ lattice: 'graphene', pixelSizePm: 16, patch: 16, seed: 3, purpose: 'train' })).toMatchObject({ seed: 3 });
      const empty = path.join(dir, 'empty.mjs');
      writeFileSync(empty, 'export const x = 1;\n');
      await expect(loadSimulatedSourceFactory(empty)).rejects.toBeInstanceOf(AtomdynError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains a tiny model end to end when the simulator is installed', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-train-out-'));
    try {
      const r = run(['train', '--lattice', 'graphene', '--out', out, '--steps', '1', '--batch', '1', '--patch', '32',
        '--filters', '2', '--validation-images', '1', '--backend', 'wasm', '--dose-range', '1e5,4e6', '--model-version', '2.1.0']);
      if (!existsSync(SIMULATOR_MODULE)) {
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/the image simulator .* is not part of this installation/);
        return;
      }
      expect(r.status, r.stderr).toBe(0);
      const card = JSON.parse(readFileSync(path.join(out, 'card.json'), 'utf8'));
      expect(card.classes).toEqual(['background', 'C', 'Si']);
      expect(card.training.steps).toBe(1);
      expect(card.version).toBe('2.1.0');
      expect(card.training.dataRecipe.doseRangeEPerA2).toEqual([1e5, 4e6]);
      const runJson = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
      expect(runJson).toMatchObject({ step: 'train', backend: 'wasm', lattice: 'graphene', seed: 1 });
      // the network's ONNX export beside it, keyed by its model.json (models/onnxFile.ts)
      expect(readdirSync(out).filter((f) => f.endsWith('.onnx'))).toEqual([onnxFileName(readFileSync(path.join(out, 'model.json')))]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
