/**
 * atomdyn as an installed package: `npm pack`, install the tarball into an empty folder, and there, with
 * plain `node` (no TypeScript loader), run the installed `atomdyn` command and the docs/api.md example
 * (docs/examples/api-example.mjs) on a movie the installed package simulates.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'atomdyn-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string, timeout = 240_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, ATOMDYN_QUIET: '1', ATOMDYN_SOURCES: '' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('the packed package', () => {
  it('installs into an empty folder and runs its command and the docs/api.md example with plain node', () => {
    if (!existsSync(path.join(root, 'dist', '.build-stamp'))) run('npm', ['run', 'build'], root);
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], root);
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'))!;
    const app = path.join(tmp, 'app');
    run('mkdir', ['-p', app], tmp);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // dependencies come from the npm cache that `npm ci` filled (the registry only when missing)
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, tgz)], app, 600_000);
    const installed = path.join(app, 'node_modules', 'atomdyn');
    expect(existsSync(path.join(installed, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'cli'))).toBe(false); // compiled code only

    const bin = path.join(installed, 'bin', 'atomdyn.mjs');
    expect(run(process.execPath, [bin, '--version'], app).trim()).toBe(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version);
    expect(run(process.execPath, [bin, '--help'], app)).toMatch(/locate <input>/);
    run(process.execPath, [bin, 'simulate', '--lattice', 'graphene', '--movie', '--frames', '6', '--size', '192', '--dopants', '2', '--seed', '3', '--out', path.join(app, 'sim')], app);

    copyFileSync(path.join(root, 'docs', 'examples', 'api-example.mjs'), path.join(app, 'api-example.mjs'));
    const out = run(process.execPath, ['api-example.mjs', path.join(app, 'sim', 'movie.tif'), path.join(app, 'result')], app);
    expect(out).toMatch(/atoms at 10\.00 pm\/px \(file\)/);
    expect(out).toMatch(/report: .*report\.html/);
    const transitions = JSON.parse(readFileSync(path.join(app, 'result', 'transitions.json'), 'utf8')) as { matrix: number[][] };
    for (const row of transitions.matrix) if (row.every(Number.isFinite)) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(readFileSync(path.join(app, 'result', 'report.html'), 'utf8')).toMatch(/<html/);
  }, 900_000);
});
