/**
 * JSON output files (transitions.json, model cards, summaries), written atomically.
 * NaN and ±Infinity are not JSON: they are written as null (JSON.stringify's rule), typed arrays as
 * plain arrays, bigints as numbers.
 */
import { readTextInput } from '../regularFile.ts';
import { AtomdynError } from '../errors.ts';
import { writeFileAtomic } from '../atomicWrite.ts';

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/**
 * Serialise `value` as pretty-printed JSON (2-space indent, trailing newline) and write it atomically.
 * @throws AtomdynError when `file` is an input of this run or cannot be written
 */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, replacer, 2) + '\n');
}

/**
 * Read a JSON file.
 * @throws AtomdynError naming the file when it is missing or not valid JSON
 */
export function readJson<T = unknown>(file: string): T {
  const text = readTextInput(file, 'JSON file');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new AtomdynError(file, `not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}
