/**
 * Test helper: build small TIFF files byte by byte (TIFF 6.0 layout), so reader tests control every
 * field: byte order, sample type, strips, compression (none, Deflate, PackBits), predictors 2 and 3,
 * ImageJ descriptions, BigTIFF, and deliberately wrong fields for bad-input tests.
 */
import { deflateSync } from 'node:zlib';
import type { PixelType } from '../../data/readers/pixelDecode.ts';

/** One page: samples in row-major order (samplesPerPixel interleaved). */
export interface PageSpec {
  width: number;
  height: number;
  type: PixelType;
  data: ArrayLike<number>;
  samplesPerPixel?: number;
  /** Overrides for corrupt files. */
  claimWidth?: number;
  claimHeight?: number;
  claimByteCounts?: number[];
  claimRowsPerStrip?: number;
  /** NewSubfileType (1 = reduced-resolution copy). */
  subfileType?: number;
}

/** File-level options. */
export interface TiffBuildOptions {
  bigEndian?: boolean;
  bigTiff?: boolean;
  /** ImageDescription of page 0. */
  description?: string;
  /** XResolution = YResolution = n/d on page 0. */
  resolution?: [number, number];
  resolutionUnit?: number;
  compression?: 1 | 8 | 32773;
  predictor?: 1 | 2 | 3;
  rowsPerStrip?: number;
  /** Photometric interpretation (default 1, BlackIsZero; 2 = RGB). */
  photometric?: number;
  /** More tags on page 0 (type 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG; Buffer values are raw payloads). */
  extraTags?: Array<{ tag: number; type: number; values: number[] | Buffer }>;
}

const FORMAT: Record<PixelType, [number, number]> = {
  uint8: [1, 8],
  int8: [2, 8],
  uint16: [1, 16],
  int16: [2, 16],
  uint32: [1, 32],
  int32: [2, 32],
  uint64: [1, 64],
  int64: [2, 64],
  float16: [3, 16],
  float32: [3, 32],
  float64: [3, 64],
};

/** Encode samples in the given byte order. */
export function encodeSamples(type: PixelType, data: ArrayLike<number>, littleEndian: boolean): Buffer {
  const bytes = FORMAT[type][1] / 8;
  const b = Buffer.alloc(data.length * bytes);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const o = i * bytes;
    switch (type) {
      case 'uint8':
        dv.setUint8(o, v);
        break;
      case 'int8':
        dv.setInt8(o, v);
        break;
      case 'uint16':
        dv.setUint16(o, v, littleEndian);
        break;
      case 'int16':
        dv.setInt16(o, v, littleEndian);
        break;
      case 'uint32':
        dv.setUint32(o, v, littleEndian);
        break;
      case 'int32':
        dv.setInt32(o, v, littleEndian);
        break;
      case 'uint64':
        dv.setBigUint64(o, BigInt(v), littleEndian);
        break;
      case 'int64':
        dv.setBigInt64(o, BigInt(v), littleEndian);
        break;
      case 'float32':
        dv.setFloat32(o, v, littleEndian);
        break;
      case 'float64':
        dv.setFloat64(o, v, littleEndian);
        break;
      default:
        throw new Error(`helper cannot encode ${type}`);
    }
  }
  return b;
}

/** PackBits encoder (literal runs only, plus runs of >= 3 equal bytes). */
export function packBitsEncode(input: Uint8Array): Buffer {
  const out: number[] = [];
  let i = 0;
  while (i < input.length) {
    let run = 1;
    while (i + run < input.length && input[i + run] === input[i] && run < 128) run++;
    if (run >= 3) {
      out.push((1 - run) & 0xff, input[i]);
      i += run;
      continue;
    }
    const start = i;
    let lit = 0;
    while (i < input.length && lit < 128) {
      if (i + 2 < input.length && input[i] === input[i + 1] && input[i] === input[i + 2]) break;
      i++;
      lit++;
    }
    out.push(lit - 1, ...input.subarray(start, start + lit));
  }
  return Buffer.from(out);
}

/** Forward predictor 2 on rows of integer samples (inverse of the reader's). */
function applyHorizontal(buf: Buffer, rows: number, width: number, spp: number, bytes: number, le: boolean): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const get = (o: number): number => (bytes === 1 ? dv.getUint8(o) : bytes === 2 ? dv.getUint16(o, le) : dv.getUint32(o, le));
  const set = (o: number, v: number): void => (bytes === 1 ? dv.setUint8(o, v & 0xff) : bytes === 2 ? dv.setUint16(o, v & 0xffff, le) : dv.setUint32(o, v >>> 0, le));
  const n = width * spp;
  for (let r = 0; r < rows; r++) {
    for (let i = n - 1; i >= spp; i--) {
      const a = (r * n + i) * bytes;
      const b = (r * n + i - spp) * bytes;
      set(a, get(a) - get(b));
    }
  }
}

/** Forward predictor 3 (floating point): big-endian byte planes, MSB first, then byte differencing. */
export function applyFloatPredictor(samplesBE: Buffer, rows: number, width: number, bytes: number): Buffer {
  const out = Buffer.alloc(samplesBE.length);
  const rowBytes = width * bytes;
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    for (let s = 0; s < width; s++) for (let b = 0; b < bytes; b++) out[base + b * width + s] = samplesBE[base + s * bytes + b];
    for (let i = rowBytes - 1; i >= 1; i--) out[base + i] = (out[base + i] - out[base + i - 1]) & 0xff;
  }
  return out;
}

interface Entry {
  tag: number;
  type: number;
  values: number[] | Buffer;
}

/**
 * Build a TIFF file.
 * @returns the file bytes
 */
export function buildTiff(pages: PageSpec[], opts: TiffBuildOptions = {}): Buffer {
  const le = !opts.bigEndian;
  const big = !!opts.bigTiff;
  const compression = opts.compression ?? 1;
  const predictor = opts.predictor ?? 1;
  const chunks: Buffer[] = [];
  let pos = big ? 16 : 8;
  const header = Buffer.alloc(pos);
  header.write(le ? 'II' : 'MM', 0, 'latin1');
  const w16 = (b: Buffer, v: number, o: number): void => void (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const w32 = (b: Buffer, v: number, o: number): void => void (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const w64 = (b: Buffer, v: number, o: number): void => void (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o));
  w16(header, big ? 43 : 42, 2);
  if (big) {
    w16(header, 8, 4);
    w16(header, 0, 6);
  }
  chunks.push(header);
  const firstIfdPos = big ? 8 : 4;
  let prevNextPos = firstIfdPos; // where to write the offset of the next IFD
  const patches: Array<{ at: number; value: number }> = [];

  pages.forEach((p, pi) => {
    const spp = p.samplesPerPixel ?? 1;
    const [fmt, bits] = FORMAT[p.type];
    const bytes = bits / 8;
    const rps = Math.min(opts.rowsPerStrip ?? p.height, p.height);
    const nStrips = Math.ceil(p.height / rps);
    const rowLen = p.width * spp;
    const stripOffsets: number[] = [];
    const stripCounts: number[] = [];
    for (let s = 0; s < nStrips; s++) {
      const r0 = s * rps;
      const rows = Math.min(rps, p.height - r0);
      const slice = Array.from({ length: rows * rowLen }, (_, k) => p.data[r0 * rowLen + k]);
      let raw: Buffer;
      if (predictor === 3) raw = applyFloatPredictor(encodeSamples(p.type, slice, false), rows, rowLen, bytes);
      else {
        raw = encodeSamples(p.type, slice, le);
        if (predictor === 2) applyHorizontal(raw, rows, p.width, spp, bytes, le);
      }
      const stored = compression === 8 ? deflateSync(raw) : compression === 32773 ? packBitsEncode(raw) : raw;
      stripOffsets.push(pos);
      stripCounts.push(stored.length);
      chunks.push(stored);
      pos += stored.length;
      if (pos % 2) {
        chunks.push(Buffer.alloc(1));
        pos++;
      }
    }
    const longType = big ? 16 : 4;
    const entries: Entry[] = [
      { tag: 254, type: 4, values: [p.subfileType ?? 0] },
      { tag: 256, type: 4, values: [p.claimWidth ?? p.width] },
      { tag: 257, type: 4, values: [p.claimHeight ?? p.height] },
      { tag: 258, type: 3, values: Array(spp).fill(bits) },
      { tag: 259, type: 3, values: [compression] },
      { tag: 262, type: 3, values: [opts.photometric ?? (spp >= 3 ? 2 : 1)] },
    ];
    if (pi === 0 && opts.description !== undefined) entries.push({ tag: 270, type: 2, values: Buffer.from(opts.description + '\0', 'utf8') });
    entries.push(
      { tag: 273, type: longType, values: stripOffsets },
      { tag: 277, type: 3, values: [spp] },
      { tag: 278, type: 4, values: [p.claimRowsPerStrip ?? rps] },
      { tag: 279, type: longType, values: p.claimByteCounts ?? stripCounts },
    );
    if (pi === 0 && opts.resolution) {
      entries.push({ tag: 282, type: 5, values: opts.resolution }, { tag: 283, type: 5, values: opts.resolution });
      entries.push({ tag: 296, type: 3, values: [opts.resolutionUnit ?? 1] });
    }
    if (predictor !== 1) entries.push({ tag: 317, type: 3, values: [predictor] });
    entries.push({ tag: 339, type: 3, values: Array(spp).fill(fmt) });
    if (pi === 0) entries.push(...(opts.extraTags ?? []));
    entries.sort((a, b) => a.tag - b.tag);

    // IFD: count, entries, next; out-of-line values after it.
    const entrySize = big ? 20 : 12;
    const head = big ? 8 : 2;
    const offSize = big ? 8 : 4;
    const ifdPos = pos;
    const fixed = head + entries.length * entrySize + offSize;
    const ifd = Buffer.alloc(fixed);
    if (big) w64(ifd, entries.length, 0);
    else w16(ifd, entries.length, 0);
    let extraPos = ifdPos + fixed;
    const extras: Buffer[] = [];
    const typeSize: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 16: 8 };
    entries.forEach((e, i) => {
      const o = head + i * entrySize;
      w16(ifd, e.tag, o);
      w16(ifd, e.type, o + 2);
      let payload: Buffer;
      let count: number;
      if (Buffer.isBuffer(e.values)) {
        payload = e.values;
        count = e.values.length;
      } else {
        count = e.type === 5 ? e.values.length / 2 : e.values.length;
        payload = Buffer.alloc(count * typeSize[e.type]);
        e.values.forEach((v, k) => {
          if (e.type === 1) payload[k] = v;
          else if (e.type === 3) w16(payload, v, 2 * k);
          else if (e.type === 4 || e.type === 5) w32(payload, v, 4 * k);
          else w64(payload, v, 8 * k);
        });
      }
      if (big) w64(ifd, count, o + 4);
      else w32(ifd, count, o + 4);
      const vo = o + (big ? 12 : 8);
      if (payload.length <= offSize) payload.copy(ifd, vo);
      else {
        if (big) w64(ifd, extraPos, vo);
        else w32(ifd, extraPos, vo);
        const padded = payload.length % 2 ? Buffer.concat([payload, Buffer.alloc(1)]) : payload;
        extras.push(padded);
        extraPos += padded.length;
      }
    });
    patches.push({ at: prevNextPos, value: ifdPos });
    prevNextPos = ifdPos + fixed - offSize;
    chunks.push(ifd, ...extras);
    pos = extraPos;
  });
  const out = Buffer.concat(chunks);
  for (const p of patches) {
    if (big) w64(out, p.value, p.at);
    else w32(out, p.value, p.at);
  }
  return out;
}
