/** The subcommand list (cli/commandList.ts) against cli/commands/, and the lazy command line built on it. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/commandList.ts';
import { packageVersion } from '../cli/main.ts';
import { packageRoot, siblingModule } from '../data/packagePaths.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('command list', () => {
  it('names every file of cli/commands once, and each module registers the command of its name', async () => {
    const files = readdirSync(path.join(root, 'cli', 'commands')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort();
    expect(COMMANDS.map((c) => c.name).sort()).toEqual(files);
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load()).register(program);
      expect(program.commands.map((c) => c.name())).toEqual([entry.name]);
      expect(entry.summary.length).toBeGreaterThan(10);
      expect(entry.summary.length).toBeLessThanOrEqual(120);
    }
  });

  it('finds the package root and sibling modules with the caller\'s extension', () => {
    expect(packageRoot()).toBe(root);
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(fileURLToPath(siblingModule(import.meta.url, 'x/y'))).toBe(path.join(root, 'test', 'x', 'y.ts'));
  });
});
