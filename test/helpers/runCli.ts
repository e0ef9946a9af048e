/**
 * Run the atomdyn CLI (cli/main.ts) in this process, capturing stdout and stderr: no start-up cost
 * per run, unlike spawning bin/atomdyn.mjs.
 */
import { vi } from 'vitest';

/** @param args the arguments after `atomdyn` (subcommand first) */
export async function runCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const { main } = await import('../../cli/main.ts');
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  try {
    const status = await main(['node', 'atomdyn', ...args]);
    return { status, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
