/**
 * Every installed package accepts the Node versions the project promises (package.json `engines`,
 * README "Install"): `npm ci` on the oldest promised Node must not warn EBADENGINE. Ranges are
 * evaluated with `semver` (npm's own range grammar).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import semver from 'semver';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));

describe('dependencies', () => {
  it('the oldest Node version promised by package.json satisfies every locked package', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    expect(semver.major(oldest)).toBe(20); // README: Node 20
    const refused = Object.entries(lock.packages as Record<string, { engines?: { node?: string } }>)
      .filter(([name, p]) => name && p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name} wants node ${p.engines!.node}`);
    expect(refused).toEqual([]);
  });

  it('the README states the same oldest version as package.json', () => {
    const oldest = semver.minVersion(pkg.engines.node)!;
    expect(readFileSync('README.md', 'utf8')).toContain(`Node.js ${oldest.major}.${oldest.minor} or newer`);
  });
});
