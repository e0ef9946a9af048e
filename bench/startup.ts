/**
 * Start-up of the command line: `atomdyn --version` and `atomdyn --help` (the compiled package in dist/,
 * as `npm ci` builds it) against a bare `node -e 0`, median of 5 runs each, whole process. The goal
 * (issue 14): each median <= node's + 0.25 s.
 *
 *   npm run bench -- startup
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'dist', '.build-stamp'))) {
  process.stdout.write('dist/ is not built: run `npm run build` first\n');
  process.exit(1);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(args: string[], runs = 5): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    t.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  }
  return median(t);
}

const bare = time(['-e', '0']);
const rows: Array<[string, number]> = [
  ['node -e 0', bare],
  ['atomdyn --version', time(['bin/atomdyn.mjs', '--version'])],
  ['atomdyn --help', time(['bin/atomdyn.mjs', '--help'])],
  ['atomdyn info --help (loads one subcommand)', time(['bin/atomdyn.mjs', 'info', '--help'])],
];
const w = Math.max(...rows.map((r) => r[0].length));
for (const [name, s] of rows) {
  const over = s - bare;
  const goal = name === 'atomdyn --version' || name === 'atomdyn --help';
  process.stdout.write(`${name.padEnd(w)}  ${s.toFixed(3)} s  ${name === 'node -e 0' ? '' : `(+${over.toFixed(3)} s over node${goal ? `; goal <= +0.250 s: ${over <= 0.25 ? 'met' : 'NOT met'}` : ''})`}\n`);
}
