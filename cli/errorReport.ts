/**
 * What the user sees when a command fails: always one line on stderr, free of control bytes and
 * at most {@link MAX_MESSAGE} characters, whatever a file put into the error's text.
 * - bad input (AtomdynError): `atomdyn: <file>: <what is wrong>` (exit code 2);
 * - anything else is a bug: `atomdyn: internal error (please report): <first line>; details in <log>`
 *   (exit code 1); the stack, the cause chain and the command line go to the log file: `atomdyn-error.log`
 *   in the `--out` folder when that folder exists, else a file in the system's temporary folder.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { oneLine } from '../data/errors.ts';

/** The `--out` folder named in argv, when it exists as a folder. */
function outFolder(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = a === '--out' ? argv[i + 1] : a.startsWith('--out=') ? a.slice(6) : undefined;
    if (v === undefined) continue;
    try {
      if (existsSync(v) && statSync(v).isDirectory()) return v;
    } catch {
      return null;
    }
  }
  return null;
}

/** Every error in the cause chain, with its stack. */
function details(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    parts.push(cur instanceof Error ? (cur.stack ?? `${cur.name}: ${cur.message}`) : String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join('\n--- caused by ---\n');
}

/**
 * Write the details of an internal error to a log file.
 * @returns the log file's path, or null when none could be written
 */
export function writeErrorLog(e: unknown, argv: string[]): string | null {
  const text = `atomdyn internal error\ntime: ${new Date().toISOString()}\ncommand: ${JSON.stringify(argv.slice(2))}\nnode: ${process.version}\n\n${details(e)}\n`;
  const out = outFolder(argv);
  const candidates = [
    ...(out ? [path.join(out, 'atomdyn-error.log')] : []),
    path.join(os.tmpdir(), `atomdyn-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`),
  ];
  for (const file of candidates) {
    try {
      writeFileSync(file, text, { flag: file.startsWith(os.tmpdir()) ? 'wx' : 'w' });
      return file;
    } catch {
      /* try the next place */
    }
  }
  return null;
}

/**
 * The one line printed for an internal error, after writing its log.
 */
export function internalErrorLine(e: unknown, argv: string[]): string {
  const first = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const log = writeErrorLog(e, argv);
  const where = log ? `details in ${log}` : 'details could not be written; rerun with ATOMDYN_DEBUG=1';
  return `atomdyn: internal error (please report): ${oneLine(first, 200)}; ${where}`;
}
