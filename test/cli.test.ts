import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const bin = path.resolve('bin/atomdyn.mjs');

describe('atomdyn CLI', () => {
  it('prints help listing its subcommands', () => {
    const out = execFileSync('node', [bin, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/Usage: atomdyn/);
    expect(out).toMatch(/info/);
  });

  it('reports the active backend (wasm here, where tfjs-node cannot install)', () => {
    const out = execFileSync('node', [bin, 'info', '--backend'], { encoding: 'utf8' });
    expect(out).toMatch(/^backend: (wasm|tensorflow) /m);
  });

  it('rejects an unknown backend with a one-line error and exit code 2', () => {
    const r = spawnSync('node', [bin, 'info', '--backend', 'cuda'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--backend: unknown backend 'cuda'/);
  });
});
