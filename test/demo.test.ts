import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../cli/main.ts';

describe('atomdyn demo', () => {
  it('simulates its movie through the library (simulate run.json beside it) and analyses it into a report with the known answer', async () => {
    process.env.ATOMDYN_QUIET = '1';
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'atomdyn-demo-')), 'demo');
    const program = await buildProgram();
    await program.parseAsync(['node', 'atomdyn', 'demo', '--out', out, '--frames', '6', '--size', '192', '--dopants', '2', '--seed', '3']);
    const sim = JSON.parse(readFileSync(`${out}-input/run.json`, 'utf8'));
    expect(sim).toMatchObject({ step: 'simulate', complete: true, seed: 3 });
    expect(sim.command).toEqual(['simulate', '--lattice', 'graphene', '--movie', '--frames', '6', '--size', '192', '--dopants', '2', '--seed', '3', '--out', `${out}-input`]);
    expect(existsSync(`${out}-input/truth.csv`)).toBe(true);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.complete).toBe(true);
    expect(JSON.stringify(run)).toContain('truth.csv');
  });
});
