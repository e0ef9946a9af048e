/**
 * Atomic output files: write to a temporary file in the same folder, then rename over the target,
 * so a reader never sees half a file and a crash never leaves a truncated output. An output path
 * that is one of the run's inputs is refused (inputs are never modified).
 */
import { promises as fs, realpathSync, existsSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from './errors.ts';

const protectedInputs = new Set<string>();

function canonical(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/**
 * Mark a file as an input of this process: any later atomic write to it throws.
 * Readers call this for every file they open.
 */
export function protectInput(file: string): void {
  protectedInputs.add(canonical(file));
}

/**
 * Throws AtomdynError if `target` is a protected input.
 */
export function assertNotInput(target: string): void {
  if (protectedInputs.has(canonical(target))) {
    throw new AtomdynError(target, 'refusing to overwrite an input file; choose another `out`');
  }
}

/**
 * Write `data` to `target` atomically (temp file + rename). Creates the parent folder.
 *
 * @param target output path
 * @param data file contents (string is written as UTF-8)
 * @throws AtomdynError when `target` is an input of this run, or the folder cannot be written
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  assertNotInput(target);
  const dir = path.dirname(path.resolve(target));
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw new AtomdynError(target, `cannot write output: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Atomic write for writers that need a file path (HDF5, TIFF libraries): `produce(tmpPath)` writes
 * the temporary file, which is then renamed onto `target`.
 *
 * @throws AtomdynError as {@link writeFileAtomic}
 */
export async function writeViaTempFile(target: string, produce: (tmpPath: string) => Promise<void> | void): Promise<void> {
  assertNotInput(target);
  const dir = path.dirname(path.resolve(target));
  await fs.mkdir(dir, { recursive: true });
  const ext = path.extname(target);
  const tmp = path.join(dir, `.${path.basename(target, ext)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp${ext}`);
  try {
    await produce(tmp);
    if (!existsSync(tmp)) throw new Error('the writer produced no file');
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (e instanceof AtomdynError) throw e;
    throw new AtomdynError(target, `cannot write output: ${(e as Error).message}`, { cause: e });
  }
}
