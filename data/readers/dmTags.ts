/**
 * Gatan DigitalMicrograph DM3/DM4 tag structure, parsed from the published description of the format
 * (C. Boothroyd, "DM3 file format", and the DM4 notes of the same and of B. Schaffer; as implemented
 * e.g. by HyperSpy's and Gatan's own readers):
 *
 * - Header (big-endian): version (int32: 3 or 4), root length (uint32 in DM3, uint64 in DM4), byte
 *   order of the tag *data* (int32: 1 = little-endian, 0 = big-endian).
 * - Tag group: `sorted` (uint8), `open` (uint8), number of tags (uint32 / uint64).
 * - Tag: kind (uint8: 20 = group, 21 = data, 0 = end), name length (uint16), name (bytes); DM4 adds
 *   the tag's byte size (uint64). A group tag holds a tag group; a data tag holds `%%%%`, the info
 *   count (uint32 / uint64), the info array (uint32 / uint64 each), then the data.
 * - Info: `[type]` for a simple value (2 int16, 3 int32, 4 uint16, 5 uint32, 6 float32, 7 float64,
 *   8 bool, 9 int8, 10 uint8, 11 int64, 12 uint64); `[18, length]` a string; `[15, nameLen, nFields,
 *   (nameLen, type) x nFields]` a struct; `[20, elemType, length]` or `[20, 15, struct info..., length]`
 *   an array. Sizes and info are big-endian; values use the header's byte order.
 *
 * Groups whose children are all unnamed become arrays (e.g. `ImageList`, `Dimensions`). Arrays of
 * uint16 up to 4096 elements that hold printable text (DM's UTF-16 strings) become strings; numeric
 * arrays up to 256 elements become number[]; larger arrays, and every array named `Data` (image
 * data), are not read but recorded as
 * {@link DmArrayRef} (offset, element type, length) so image data can be read later frame by frame.
 */
import { AtomdynError } from '../errors.ts';
import type { RandomAccessFile } from './randomAccessFile.ts';

/** A large array left in the file. */
export interface DmArrayRef {
  $array: true;
  /** DM element type code (2..12). */
  elemType: number;
  /** Number of elements. */
  length: number;
  /** Byte offset of the first element. */
  offset: number;
  /** Bytes per element. */
  elemSize: number;
}

/** A tag value: number, string, list, group object or an array reference. */
export type DmValue = number | string | boolean | DmValue[] | { [name: string]: DmValue } | DmArrayRef | null;

/** The parsed file: version, data byte order and the root group. */
export interface DmFile {
  version: 3 | 4;
  littleEndian: boolean;
  root: { [name: string]: DmValue };
}

const SIMPLE_SIZE: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 8: 1, 9: 1, 10: 1, 11: 8, 12: 8 };

/** Buffered sequential reader over a RandomAccessFile. */
class Cursor {
  pos = 0;
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  constructor(private readonly file: RandomAccessFile) {}
  private ensure(n: number): Buffer {
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      if (this.pos + n > this.file.size) {
        throw new AtomdynError(this.file.path, `file is truncated or corrupt: DigitalMicrograph tags run past the end of the file (byte ${this.pos + n} of ${this.file.size})`);
      }
      this.bufStart = this.pos;
      this.buf = this.file.readAtMost(this.pos, Math.max(n, 65536));
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }
  bytes(n: number): Buffer {
    return this.ensure(n);
  }
  u8(): number {
    return this.ensure(1)[0];
  }
  u16be(): number {
    return this.ensure(2).readUInt16BE(0);
  }
  u32be(): number {
    return this.ensure(4).readUInt32BE(0);
  }
  i32be(): number {
    return this.ensure(4).readInt32BE(0);
  }
  u64be(): number {
    const v = this.ensure(8).readBigUInt64BE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new AtomdynError(this.file.path, 'corrupt DigitalMicrograph file: size field too large');
    return Number(v);
  }
  skip(n: number): void {
    if (this.pos + n > this.file.size) {
      throw new AtomdynError(this.file.path, `file is truncated or corrupt: DigitalMicrograph data runs past the end of the file (byte ${this.pos + n} of ${this.file.size})`);
    }
    this.pos += n;
  }
}

function readSimple(b: Buffer, at: number, type: number, le: boolean): number | boolean {
  switch (type) {
    case 2:
      return le ? b.readInt16LE(at) : b.readInt16BE(at);
    case 3:
      return le ? b.readInt32LE(at) : b.readInt32BE(at);
    case 4:
      return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
    case 5:
      return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
    case 6:
      return le ? b.readFloatLE(at) : b.readFloatBE(at);
    case 7:
      return le ? b.readDoubleLE(at) : b.readDoubleBE(at);
    case 8:
      return b[at] !== 0;
    case 9:
      return b.readInt8(at);
    case 10:
      return b[at];
    case 11:
      return Number(le ? b.readBigInt64LE(at) : b.readBigInt64BE(at));
    case 12:
      return Number(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
  }
  return NaN;
}

/**
 * Parse the header and the whole tag tree (large arrays are skipped, not read).
 * @throws AtomdynError for a wrong version, a truncated file or an unknown tag/data type
 */
export function parseDmTags(file: RandomAccessFile): DmFile {
  const path = file.path;
  if (file.size < 16) throw new AtomdynError(path, 'not a DigitalMicrograph file (too short)');
  const c = new Cursor(file);
  const version = c.i32be();
  if (version !== 3 && version !== 4) throw new AtomdynError(path, `not a DigitalMicrograph DM3/DM4 file (version ${version})`);
  const dm4 = version === 4;
  const rootLen = dm4 ? c.u64be() : c.u32be();
  const order = c.i32be();
  if (order !== 0 && order !== 1) throw new AtomdynError(path, `corrupt DigitalMicrograph header (byte order ${order})`);
  if (rootLen > file.size) throw new AtomdynError(path, `file is truncated: DigitalMicrograph header claims ${rootLen} bytes of tags, the file has ${file.size}`);
  const le = order === 1;
  const count = (): number => (dm4 ? c.u64be() : c.u32be());
  let tagsRead = 0;

  const corrupt = (what: string): never => {
    throw new AtomdynError(path, `corrupt DigitalMicrograph file: ${what} at byte ${c.pos}`);
  };

  const readValue = (info: number[], name: string): DmValue => {
    const t = info[0];
    if (SIMPLE_SIZE[t]) {
      const b = c.bytes(SIMPLE_SIZE[t]);
      return readSimple(b, 0, t, le);
    }
    if (t === 18) {
      const len = info[1] ?? 0;
      return c.bytes(len).toString('latin1');
    }
    if (t === 15) {
      const nFields = info[2] ?? 0;
      const out: DmValue[] = [];
      for (let k = 0; k < nFields; k++) {
        const ft = info[4 + 2 * k];
        if (!SIMPLE_SIZE[ft]) corrupt(`struct field type ${ft}`);
        out.push(readSimple(c.bytes(SIMPLE_SIZE[ft]), 0, ft, le));
      }
      return out;
    }
    if (t === 20) {
      const elem = info[1];
      if (SIMPLE_SIZE[elem]) {
        const length = info[2];
        const size = SIMPLE_SIZE[elem];
        const bytes = length * size;
        if (elem === 4 && length <= 4096 && name !== 'Data') {
          const b = c.bytes(bytes);
          const chars: number[] = [];
          for (let k = 0; k < length; k++) chars.push(le ? b.readUInt16LE(2 * k) : b.readUInt16BE(2 * k));
          const printable = chars.every((ch) => ch >= 32 || ch === 9 || ch === 10 || ch === 13 || ch === 0);
          if (printable) return String.fromCharCode(...chars).replace(/\0+$/, '');
          return chars;
        }
        if (length <= 256 && name !== 'Data') {
          const b = c.bytes(bytes);
          const out: DmValue[] = [];
          for (let k = 0; k < length; k++) out.push(readSimple(b, k * size, elem, le) as number);
          return out;
        }
        const ref: DmArrayRef = { $array: true, elemType: elem, length, offset: c.pos, elemSize: size };
        c.skip(bytes);
        return ref;
      }
      if (elem === 15) {
        const nFields = info[3] ?? 0;
        const types: number[] = [];
        for (let k = 0; k < nFields; k++) types.push(info[5 + 2 * k]);
        const length = info[4 + 2 * nFields];
        const rowSize = types.reduce((a, ft) => a + (SIMPLE_SIZE[ft] ?? corrupt(`struct field type ${ft}`)), 0);
        if (length > 256) {
          c.skip(length * rowSize);
          return { $array: true, elemType: 15, length, offset: c.pos - length * rowSize, elemSize: rowSize };
        }
        const out: DmValue[] = [];
        for (let r = 0; r < length; r++) {
          const row: DmValue[] = [];
          for (const ft of types) row.push(readSimple(c.bytes(SIMPLE_SIZE[ft]), 0, ft, le));
          out.push(row);
        }
        return out;
      }
      if (elem === 18) {
        const strLen = info[2] ?? 0;
        const length = info[3] ?? 0;
        c.skip(strLen * length);
        return null;
      }
      corrupt(`array element type ${elem}`);
    }
    return corrupt(`data type ${t}`);
  };

  const readGroup = (depth: number): { [name: string]: DmValue } | DmValue[] => {
    if (depth > 64) corrupt('tag groups nested too deeply');
    c.u8(); // sorted
    c.u8(); // open
    const n = count();
    if (n > 10_000_000) corrupt(`tag group with ${n} tags`);
    const entries: Array<[string, DmValue]> = [];
    for (let k = 0; k < n; k++) {
      if (++tagsRead > 5_000_000) corrupt('too many tags');
      const kind = c.u8();
      if (kind === 0) break;
      const nameLen = c.u16be();
      const name = c.bytes(nameLen).toString('latin1');
      if (dm4) c.u64be();
      if (kind === 20) entries.push([name, readGroup(depth + 1)]);
      else if (kind === 21) {
        if (c.bytes(4).toString('latin1') !== '%%%%') corrupt(`tag '${name}' without %%%% marker`);
        const nInfo = count();
        if (nInfo > 1000) corrupt(`tag '${name}' with ${nInfo} type descriptors`);
        const info: number[] = [];
        for (let j = 0; j < nInfo; j++) info.push(count());
        entries.push([name, readValue(info, name)]);
      } else corrupt(`tag kind ${kind}`);
    }
    if (entries.length && entries.every(([nm]) => nm === '')) return entries.map(([, v]) => v);
    const obj: { [name: string]: DmValue } = {};
    let unnamed = 0;
    for (const [nm, v] of entries) {
      const key = nm === '' ? `[${unnamed++}]` : nm;
      if (!(key in obj)) obj[key] = v;
    }
    return obj;
  };

  const root = readGroup(0);
  return { version: version as 3 | 4, littleEndian: le, root: Array.isArray(root) ? { '[list]': root } : root };
}

/** Look up `a.b.c` (or an array index) in a tag tree; undefined when absent. */
export function dmGet(v: DmValue | undefined, ...keys: Array<string | number>): DmValue | undefined {
  let o: DmValue | undefined = v;
  for (const k of keys) {
    if (o === null || o === undefined || typeof o !== 'object') return undefined;
    o = Array.isArray(o) ? (typeof k === 'number' ? o[k] : undefined) : (o as Record<string, DmValue>)[k as string];
  }
  return o;
}

/** True for a large-array reference. */
export function isArrayRef(v: unknown): v is DmArrayRef {
  return !!v && typeof v === 'object' && (v as DmArrayRef).$array === true;
}
