/**
 * h5wasm (HDF5 compiled to WebAssembly) loaded once, with its Node entry (`h5wasm/node`, NODERAWFS),
 * so files are read from disk in place, slice by slice, never copied into memory whole. The HDF5
 * error stack is turned into exceptions (h5wasm's throwing error handler) instead of being printed to
 * stderr, and {@link hdf5Message} shortens it to the one line a user needs.
 */
import { readSync, openSync, closeSync } from 'node:fs';

type H5wasm = typeof import('h5wasm');

let loaded: Promise<H5wasm> | null = null;

/**
 * Import a JavaScript package outside a TypeScript loader when one is active: bin/atomdyn.mjs, running the
 * sources through tsx, registers `Symbol.for('atomdyn.importUntransformed')` for that (tsx would rewrite
 * and source-map h5wasm's 4 MB module: about 550 MB and seconds); a plain import otherwise.
 */
function importUntransformed(specifier: string): Promise<unknown> {
  const untransformed = (globalThis as Record<symbol, unknown>)[Symbol.for('atomdyn.importUntransformed')];
  return typeof untransformed === 'function' ? (untransformed as (s: string) => Promise<unknown>)(specifier) : import(specifier);
}

/** The h5wasm module, ready for use (first call loads the WebAssembly, ~0.2 s). */
export function h5wasm(): Promise<H5wasm> {
  loaded ??= (async () => {
    const mod = (await importUntransformed('h5wasm/node')) as H5wasm & { default?: H5wasm };
    const h5 = (mod.File ? mod : mod.default) as H5wasm;
    const Module = (await h5.ready) as unknown as { activate_throwing_error_handler?: () => void };
    Module.activate_throwing_error_handler?.();
    return h5;
  })();
  return loaded;
}

/**
 * The useful line of an HDF5 error: the innermost message of the HDF5-DIAG stack
 * (e.g. "truncated file: eof = 2000, ... stored_eof = 537672"), or the error's first line.
 */
export function hdf5Message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n');
  let last = '';
  for (const l of lines) {
    const m = /#\d+: .* in [\w]+\(\): (.*)$/.exec(l);
    if (m) last = m[1];
  }
  return (last || lines[0] || 'unknown HDF5 error').trim();
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the file starts with the HDF5 signature (at byte 0 or after a user block of 512 * 2^k bytes). */
export function hasHdf5Signature(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(8);
    for (let at = 0; at < 1 << 30; at = at === 0 ? 512 : at * 2) {
      if (readSync(fd, buf, 0, 8, at) < 8) return false;
      if (buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}
