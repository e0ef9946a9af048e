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

  it('reports the active backend (onnxruntime here: tfjs-node cannot install, onnxruntime-node can; --backend wasm forces wasm)', () => {
    const out = execFileSync('node', [bin, 'info', '--backend'], { encoding: 'utf8' });
    expect(out).toMatch(/^backend: (onnxruntime|tensorflow) /m);
    expect(out).toMatch(/^backend: onnxruntime \(onnxruntime-node\), tensors on wasm, forward passes on onnxruntime|^backend: tensorflow /m);
    const forced = execFileSync('node', [bin, 'info', '--backend', 'wasm'], { encoding: 'utf8' });
    expect(forced).toMatch(/^backend: wasm \(@tensorflow\/tfjs-backend-wasm\), tensors on wasm, forward passes on tfjs/m);
  });

  it('rejects an unknown backend with a one-line error and exit code 2', () => {
    const r = spawnSync('node', [bin, 'info', '--backend', 'cuda'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--backend: unknown backend 'cuda'/);
  });
});
