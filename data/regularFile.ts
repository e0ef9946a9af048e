/**
 * Inputs are read only from regular files: a named pipe (FIFO) blocks `open` until a writer appears,
 * a device can be endless, a socket cannot be opened at all. These helpers check what a path is
 * (following symbolic links) before anything opens it, and read small text inputs (tables, JSON
 * sidecars, run.json) with a size limit.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { AtomdynError } from './errors.ts';

/** Largest text input read whole (tables, JSON): 2 GiB, beyond which Node cannot hold the string. */
export const MAX_TEXT_BYTES = 2 ** 31 - 1;

/** What a non-regular path is, in words. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Check that `file` is a regular file (symbolic links followed), without opening it.
 * @param what what the file is for, in messages ('file', 'table', 'sidecar')
 * @returns its stat
 * @throws AtomdynError "no such file", "permission denied", or "is a named pipe (FIFO), not a regular file"
 */
export function assertRegularFile(file: string, what = 'file'): Stats {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AtomdynError(file, code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read: ${code ?? (e as Error).message}`, { cause: e });
  }
  if (!st.isFile()) throw new AtomdynError(file, `is ${kindOf(st)}, not a regular ${what === 'file' ? 'file' : `file (expected a ${what})`}`);
  return st;
}

/**
 * Read a text input (UTF-8) after checking that it is a regular file of at most `maxBytes`.
 * @throws AtomdynError naming the file when it is missing, not a regular file, too large or unreadable
 */
export function readTextInput(file: string, what = 'file', maxBytes = MAX_TEXT_BYTES): string {
  const st = assertRegularFile(file, what);
  if (st.size > maxBytes) throw new AtomdynError(file, `${what} of ${st.size} bytes is larger than the ${maxBytes} bytes atomdyn reads`);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AtomdynError(file, `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}
