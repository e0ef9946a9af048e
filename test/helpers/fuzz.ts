/**
 * A seeded fuzzer for atomdyn's inputs, shared by test/fuzz.test.ts (a few hundred cases) and
 * bench/fuzz.ts (>= 1 000 per format and per table, plus a sample through the `atomdyn` command).
 *
 * Readers: mutated copies of real files (../shared/data) are opened with data/openFrames.ts, the
 * first and last frames read, the stack closed. Tables: mutated copies of small atoms/tracks/
 * configurations tables go through the table checks and the step's library code. Each case ends in
 * one outcome:
 * - `ok`: read (or computed) without error;
 * - `clean`: an AtomdynError whose message is one line, without control bytes, at most 1 000 characters;
 * - `garbage`: an AtomdynError whose message breaks one of those rules;
 * - `stack`: any other error (a bug: the CLI would print "internal error");
 * - `hang`: no answer within the time limit (asynchronous waits only; bench/fuzz.ts also runs
 *   cases through the command with a hard limit, which catches signals and synchronous loops).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Random } from '../../data/random.ts';
import { AtomdynError } from '../../data/errors.ts';
import { openFrames } from '../../data/openFrames.ts';
import { parseCsv, toCsv, type Table } from '../../data/csvTable.ts';
import { checkTable } from '../../data/tableChecks.ts';
import { atomsFromTable, groupByFrame } from '../../dynamics/configurations/centres.ts';
import { stateSequencesFromTable } from '../../dynamics/kinetics/stateSequences.ts';
import { countTransitions } from '../../dynamics/kinetics/countMatrix.ts';
import { trackAtoms } from '../../dynamics/tracking/trackAtoms.ts';
import { sharedData } from '../sharedData.ts';

/** How one case ended. */
export type Outcome = 'ok' | 'clean' | 'garbage' | 'stack' | 'hang';

/** Counts of outcomes over a run, with a few examples of each failure. */
export interface FuzzSummary {
  name: string;
  cases: number;
  counts: Record<Outcome, number>;
  /** Up to 5 `case k (mutation): message` lines per failing outcome. */
  examples: Partial<Record<Outcome, string[]>>;
  /** Wall time, s. */
  seconds: number;
}

/** Real seed files per reader format (paths in the shared data). */
export const READER_SEEDS: Record<string, string[]> = {
  tif: ['WSe2_movie', 'HAADF.tif'],
  npy: ['MoS2_Vdoped', 'MoS2_stem_Exp-000-2.npy'],
  hdf5: ['graphene_Si', 'G-Si-2nm.hdf5'],
  emd: ['WS2_velox_emd', 'WS2.emd'],
  hspy: ['perovskite', 'Cropped_PTO-SRO_Aligned.hspy'],
  dm3: ['perovskite', 'DMReader_Image_SI-Survey.dm3'],
};

/** A message is acceptable when it is one line, printable and short. */
export function isCleanMessage(msg: string): boolean {
  return !/[\u0000-\u0008\u000b-\u001f\u007f\n\r]/.test(msg) && msg.length <= 1000;
}

function classify(e: unknown): { outcome: Outcome; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof AtomdynError) return { outcome: isCleanMessage(message) ? 'clean' : 'garbage', message };
  return { outcome: 'stack', message: `${e instanceof Error ? e.name : typeof e}: ${message}` };
}

const EXTREME_INTS = [0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x80000000, 16384, 65536];

/**
 * One random mutation of `bytes` (a new buffer): flipped bytes, a zeroed 16-byte block, a random
 * block, a truncation, an extreme 32-bit integer (either byte order) in the first 4 KiB, a
 * duplicated or a removed block.
 * @returns the mutated bytes and the mutation's name
 */
export function mutateBytes(bytes: Uint8Array, rnd: Random): { data: Buffer; what: string } {
  const b = Buffer.from(bytes);
  const n = b.length;
  // headers matter most: half the positions fall in the first 4 KiB
  const pos = (): number => (rnd.uniform() < 0.5 ? Math.floor(rnd.uniform() * Math.min(n, 4096)) : Math.floor(rnd.uniform() * n));
  const kind = Math.floor(rnd.uniform() * 7);
  switch (kind) {
    case 0: {
      const k = 1 + Math.floor(rnd.uniform() * 8);
      for (let i = 0; i < k; i++) b[pos()] ^= 1 << Math.floor(rnd.uniform() * 8);
      return { data: b, what: `flip ${k} bits` };
    }
    case 1: {
      const at = pos();
      b.fill(0, at, Math.min(n, at + 16));
      return { data: b, what: `zero 16 bytes at ${at}` };
    }
    case 2: {
      const at = pos();
      for (let i = at; i < Math.min(n, at + 32); i++) b[i] = Math.floor(rnd.uniform() * 256);
      return { data: b, what: `random 32 bytes at ${at}` };
    }
    case 3: {
      const at = Math.floor(rnd.uniform() * n);
      return { data: b.subarray(0, at), what: `truncate at ${at}` };
    }
    case 4: {
      const at = Math.min(Math.max(0, n - 4), Math.floor(rnd.uniform() * Math.min(n, 4096)));
      const v = EXTREME_INTS[Math.floor(rnd.uniform() * EXTREME_INTS.length)];
      if (rnd.uniform() < 0.5) b.writeUInt32LE(v >>> 0, at);
      else b.writeUInt32BE(v >>> 0, at);
      return { data: b, what: `int ${v} at ${at}` };
    }
    case 5: {
      const at = pos();
      const len = Math.min(n - at, 1 + Math.floor(rnd.uniform() * 256));
      return { data: Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]), what: `duplicate ${len} bytes at ${at}` };
    }
    default: {
      const at = pos();
      const len = Math.min(n - at, 1 + Math.floor(rnd.uniform() * 256));
      return { data: Buffer.concat([b.subarray(0, at), b.subarray(at + len)]), what: `remove ${len} bytes at ${at}` };
    }
  }
}

/** Run `fn` with a time limit; a time-out is reported as outcome 'hang'. */
async function withLimit(fn: () => Promise<void>, ms: number): Promise<{ outcome: Outcome; message: string }> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<{ outcome: Outcome; message: string }>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'hang', message: `no answer within ${ms / 1000} s` }), ms);
  });
  try {
    return await Promise.race([
      fn().then(
        () => ({ outcome: 'ok' as Outcome, message: '' }),
        (e: unknown) => classify(e),
      ),
      limit,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function summarise(name: string, results: Array<{ outcome: Outcome; message: string; what: string }>, t0: number): FuzzSummary {
  const counts: Record<Outcome, number> = { ok: 0, clean: 0, garbage: 0, stack: 0, hang: 0 };
  const examples: FuzzSummary['examples'] = {};
  results.forEach((r, k) => {
    counts[r.outcome]++;
    if (r.outcome !== 'ok' && r.outcome !== 'clean') {
      const list = (examples[r.outcome] ??= []);
      if (list.length < 5) list.push(`case ${k} (${r.what}): ${r.message.slice(0, 300)}`);
    }
  });
  return { name, cases: results.length, counts, examples, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Fuzz one reader format: `cases` mutated copies of its seed file, each opened with openFrames,
 * first and last frames read, closed.
 * @param format a key of {@link READER_SEEDS}
 * @param dir a scratch folder (each mutated file is written there, then removed)
 * @param seed the random seed
 * @param limitMs time limit per case
 */
export async function fuzzReader(format: string, cases: number, dir: string, seed: number, limitMs = 30_000): Promise<FuzzSummary> {
  const src = sharedData(...READER_SEEDS[format]);
  const original = readFileSync(src);
  const rnd = new Random(seed);
  const results: Array<{ outcome: Outcome; message: string; what: string }> = [];
  const t0 = performance.now();
  for (let k = 0; k < cases; k++) {
    const { data, what } = mutateBytes(original, rnd);
    // a new name per case: the HDF5 reader would start a fresh thread for a rewritten file (seconds)
    const file = path.join(dir, `fuzz-${seed}-${k}${path.extname(src)}`);
    writeFileSync(file, data);
    const r = await withLimit(async () => {
      const s = await openFrames(file);
      try {
        await s.readFrame(0);
        if (s.count > 1) await s.readFrame(s.count - 1);
      } finally {
        await s.close();
      }
    }, limitMs);
    results.push({ ...r, what });
    rmSync(file, { force: true });
  }
  return summarise(format, results, t0);
}

/** The tables fuzzed: what each holds and which library code reads it. */
export type TableKind = 'atoms' | 'tracks' | 'configurations';

/**
 * A small valid table of each kind: 4 frames of a hexagonal patch (C) around one Si, with particles
 * and, for configurations, a state that changes once.
 */
export function seedTable(kind: TableKind): Table {
  const rows: Table['rows'] = [];
  const bond = 10; // px
  for (let frame = 0; frame < 4; frame++) {
    let particle = 0;
    for (let i = -2; i <= 2; i++) {
      for (let j = -2; j <= 2; j++) {
        for (const sub of [0, 1]) {
          const x = 50 + bond * Math.sqrt(3) * (i + j / 2) + 0.3 * frame;
          const y = 50 + bond * 1.5 * j + sub * bond + 0.2 * frame;
          const species = i === 0 && j === 0 && sub === 0 ? 'Si' : 'C';
          const p = particle++;
          if (kind === 'atoms') rows.push({ frame, x, y, species, confidence: 0.9 });
          else if (kind === 'tracks') rows.push({ frame, x, y, species, particle: p, particle_species: species });
          else if (species === 'Si') rows.push({ frame, particle: p, x, y, state: frame < 2 ? 0 : 1, state_name: frame < 2 ? 'Si1C3' : 'Si1C4', probability: 0.9 });
        }
      }
    }
  }
  const columns = Object.keys(rows[0]);
  return { columns, rows };
}

const BAD_CELLS = ['1e15', '-1e15', 'inf', '-inf', 'nan', '2147483647', '2147483648', '4294967296', '1e9', '-1', 'abc', '', '1e308', '0x10', '1.5', '"a,b"', '\u0000', '9'.repeat(400)];

/**
 * One random mutation of a CSV text: an extreme or non-numeric cell, duplicated rows, shuffled rows,
 * a dropped column, a truncation, control bytes.
 */
export function mutateCsv(text: string, rnd: Random): { text: string; what: string } {
  const lines = text.trimEnd().split('\n');
  const pick = (n: number): number => Math.floor(rnd.uniform() * n);
  const kind = pick(6);
  if (kind <= 1) {
    const header = lines[0].split(',');
    const row = 1 + pick(lines.length - 1);
    const col = pick(header.length);
    const cells = lines[row].split(',');
    const v = BAD_CELLS[pick(BAD_CELLS.length)];
    cells[col] = v;
    lines[row] = cells.join(',');
    return { text: lines.join('\n') + '\n', what: `${header[col]} = ${JSON.stringify(v.slice(0, 12))} on line ${row + 1}` };
  }
  if (kind === 2) {
    const row = 1 + pick(lines.length - 1);
    const times = 1 + pick(4);
    lines.splice(row, 0, ...Array(times).fill(lines[row]));
    return { text: lines.join('\n') + '\n', what: `line ${row + 1} repeated ${times} times` };
  }
  if (kind === 3) {
    const body = lines.slice(1);
    for (let i = body.length - 1; i > 0; i--) {
      const j = pick(i + 1);
      [body[i], body[j]] = [body[j], body[i]];
    }
    return { text: [lines[0], ...body].join('\n') + '\n', what: 'rows shuffled' };
  }
  if (kind === 4) {
    const at = pick(text.length);
    return { text: text.slice(0, at), what: `truncated at ${at}` };
  }
  const at = pick(text.length);
  const junk = String.fromCharCode(pick(32)) + String.fromCharCode(0x7f + pick(0x80));
  return { text: text.slice(0, at) + junk + text.slice(at), what: `control bytes at ${at}` };
}

/** The library code behind each table's step (small inputs: fast enough for the test suite). */
async function runTable(kind: TableKind, file: string, text: string): Promise<void> {
  const raw = parseCsv(text, file);
  if (kind === 'atoms') {
    for (const c of ['frame', 'x', 'y']) if (!raw.columns.includes(c)) throw new AtomdynError(file, `missing column ${c}`);
    const { table } = checkTable(file, raw, { canonicalOrder: false });
    await trackAtoms(table, { drift: 'coordinates', searchRange: 4, bondLength: 10 }, file);
  } else if (kind === 'tracks') {
    const { table } = checkTable(file, raw);
    groupByFrame(atomsFromTable(table, file));
  } else {
    const { table } = checkTable(file, raw);
    countTransitions(stateSequencesFromTable(table, file), 1);
  }
}

/**
 * Fuzz one table kind: `cases` mutated copies of {@link seedTable} through the table checks and the
 * step's reader (track: trackAtoms; classify: atomsFromTable; transitions: state sequences and counts).
 */
export async function fuzzTable(kind: TableKind, cases: number, seed: number, limitMs = 30_000): Promise<FuzzSummary> {
  const text = toCsv(seedTable(kind));
  const rnd = new Random(seed);
  const results: Array<{ outcome: Outcome; message: string; what: string }> = [];
  const t0 = performance.now();
  for (let k = 0; k < cases; k++) {
    const m = mutateCsv(text, rnd);
    const r = await withLimit(() => runTable(kind, `${kind}.csv`, m.text), limitMs);
    results.push({ ...r, what: m.what });
  }
  return summarise(`${kind}.csv`, results, t0);
}
