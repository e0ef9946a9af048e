/**
 * TIFF structure: the header and the image file directories (IFDs), read with positional reads so a
 * long stack is never loaded whole. Follows TIFF 6.0 (Adobe, 1992), Sections 2 ("TIFF Structure")
 * and 8 ("Baseline Field Reference"), plus BigTIFF (version 43, 8-byte offsets).
 *
 * Only the directory entries are read here; pixel data is read per page by tiff.ts.
 */
import { AtomdynError } from '../errors.ts';
import type { RandomAccessFile } from './randomAccessFile.ts';
import type { PixelType } from './pixelDecode.ts';
import { checkShape } from './stackBase.ts';

/** Tag numbers used by atomdyn. */
export const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  DateTime: 306,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
  IJMetadataByteCounts: 50838,
  IJMetadata: 50839,
  FEI_SFEG: 34680,
  FEI_HELIOS: 34682,
} as const;

/** A tag's value: numbers (rationals as numbers), or a string for ASCII tags, or raw bytes for UNDEFINED. */
export type TagValue = number[] | string | Uint8Array;

/** File-level facts from the 8- or 16-byte header. */
export interface TiffHeader {
  littleEndian: boolean;
  bigTiff: boolean;
  firstIfd: number;
}

/** One directory: its tags and the offset of the next directory (0 at the end). */
export interface Ifd {
  offset: number;
  tags: Map<number, TagValue>;
  next: number;
}

/** What tiff.ts needs from one page (image) of the file. */
export interface TiffPage {
  index: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  pixelType: PixelType;
  compression: number;
  predictor: number;
  photometric: number;
  planar: number;
  /** Strips or tiles: byte offsets and byte counts in the file. */
  chunkOffsets: number[];
  chunkByteCounts: number[];
  /** Rows per strip (strips), or tile size (tiles). */
  rowsPerStrip: number;
  tiled: boolean;
  tileWidth: number;
  tileHeight: number;
  /** NewSubfileType bit 0: a reduced-resolution copy (thumbnail). */
  reduced: boolean;
}

/** Bytes per value of each TIFF field type (1..18). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

/** Largest tag payload read (bigger ones are skipped as corrupt or irrelevant). */
const MAX_TAG_BYTES = 64 * 1024 * 1024;

/**
 * Read the TIFF header.
 * @throws AtomdynError when the byte-order mark or version is wrong
 */
export function readTiffHeader(file: RandomAccessFile): TiffHeader {
  if (file.size < 8) throw new AtomdynError(file.path, 'not a TIFF file (too short for a TIFF header)');
  const h = file.read(0, Math.min(16, file.size), 'TIFF header');
  const bom = h.toString('latin1', 0, 2);
  if (bom !== 'II' && bom !== 'MM') throw new AtomdynError(file.path, 'not a TIFF file (no II/MM byte-order mark)');
  const le = bom === 'II';
  const version = le ? h.readUInt16LE(2) : h.readUInt16BE(2);
  if (version === 42) {
    return { littleEndian: le, bigTiff: false, firstIfd: le ? h.readUInt32LE(4) : h.readUInt32BE(4) };
  }
  if (version === 43) {
    if (h.length < 16) throw new AtomdynError(file.path, 'file is truncated: BigTIFF header incomplete');
    const first = le ? h.readBigUInt64LE(8) : h.readBigUInt64BE(8);
    return { littleEndian: le, bigTiff: true, firstIfd: Number(first) };
  }
  throw new AtomdynError(file.path, `not a TIFF file (version ${version}, expected 42 or 43)`);
}

function readValues(buf: Buffer, type: number, count: number, le: boolean): TagValue {
  const out: number[] = [];
  switch (type) {
    case 2: {
      let s = buf.toString('latin1', 0, count);
      const z = s.indexOf('\0');
      if (z >= 0) s = s.slice(0, z);
      // ASCII tags written by modern software are usually UTF-8.
      const utf8 = Buffer.from(s, 'latin1').toString('utf8');
      return utf8.includes('\ufffd') ? s : utf8;
    }
    case 7:
      return new Uint8Array(buf.subarray(0, count));
    case 1:
      for (let i = 0; i < count; i++) out.push(buf[i]);
      break;
    case 6:
      for (let i = 0; i < count; i++) out.push(buf.readInt8(i));
      break;
    case 3:
      for (let i = 0; i < count; i++) out.push(le ? buf.readUInt16LE(2 * i) : buf.readUInt16BE(2 * i));
      break;
    case 8:
      for (let i = 0; i < count; i++) out.push(le ? buf.readInt16LE(2 * i) : buf.readInt16BE(2 * i));
      break;
    case 4:
    case 13:
      for (let i = 0; i < count; i++) out.push(le ? buf.readUInt32LE(4 * i) : buf.readUInt32BE(4 * i));
      break;
    case 9:
      for (let i = 0; i < count; i++) out.push(le ? buf.readInt32LE(4 * i) : buf.readInt32BE(4 * i));
      break;
    case 5:
      for (let i = 0; i < count; i++) {
        const n = le ? buf.readUInt32LE(8 * i) : buf.readUInt32BE(8 * i);
        const d = le ? buf.readUInt32LE(8 * i + 4) : buf.readUInt32BE(8 * i + 4);
        out.push(d === 0 ? NaN : n / d);
      }
      break;
    case 10:
      for (let i = 0; i < count; i++) {
        const n = le ? buf.readInt32LE(8 * i) : buf.readInt32BE(8 * i);
        const d = le ? buf.readInt32LE(8 * i + 4) : buf.readInt32BE(8 * i + 4);
        out.push(d === 0 ? NaN : n / d);
      }
      break;
    case 11:
      for (let i = 0; i < count; i++) out.push(le ? buf.readFloatLE(4 * i) : buf.readFloatBE(4 * i));
      break;
    case 12:
      for (let i = 0; i < count; i++) out.push(le ? buf.readDoubleLE(8 * i) : buf.readDoubleBE(8 * i));
      break;
    case 16:
    case 18:
      for (let i = 0; i < count; i++) out.push(Number(le ? buf.readBigUInt64LE(8 * i) : buf.readBigUInt64BE(8 * i)));
      break;
    case 17:
      for (let i = 0; i < count; i++) out.push(Number(le ? buf.readBigInt64LE(8 * i) : buf.readBigInt64BE(8 * i)));
      break;
  }
  return out;
}

/**
 * Read the directory at `offset`.
 * Unknown field types are skipped; payloads beyond the end of the file make the file corrupt.
 * @throws AtomdynError for a directory outside the file or with an absurd entry count
 */
export function readIfd(file: RandomAccessFile, header: TiffHeader, offset: number): Ifd {
  const le = header.littleEndian;
  const big = header.bigTiff;
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const offSize = big ? 8 : 4;
  if (offset < 8 || offset + countSize > file.size) {
    throw new AtomdynError(file.path, `file is truncated or corrupt: TIFF directory offset ${offset} is outside the file (${file.size} bytes)`);
  }
  const cbuf = file.read(offset, countSize, 'TIFF directory');
  const n = big ? Number(le ? cbuf.readBigUInt64LE(0) : cbuf.readBigUInt64BE(0)) : le ? cbuf.readUInt16LE(0) : cbuf.readUInt16BE(0);
  if (n === 0 || n > 4096) throw new AtomdynError(file.path, `corrupt TIFF: directory at byte ${offset} claims ${n} entries`);
  const body = file.read(offset + countSize, n * entrySize + offSize, 'TIFF directory');
  const tags = new Map<number, TagValue>();
  for (let i = 0; i < n; i++) {
    const e = i * entrySize;
    const tag = le ? body.readUInt16LE(e) : body.readUInt16BE(e);
    const type = le ? body.readUInt16LE(e + 2) : body.readUInt16BE(e + 2);
    const count = big
      ? Number(le ? body.readBigUInt64LE(e + 4) : body.readBigUInt64BE(e + 4))
      : le
        ? body.readUInt32LE(e + 4)
        : body.readUInt32BE(e + 4);
    const size = TYPE_SIZE[type];
    if (size === undefined) continue;
    const bytes = size * count;
    if (bytes > MAX_TAG_BYTES) {
      if (tag === TAG.StripOffsets || tag === TAG.StripByteCounts || tag === TAG.TileOffsets || tag === TAG.TileByteCounts) {
        throw new AtomdynError(file.path, `corrupt TIFF: tag ${tag} claims ${count} values`);
      }
      continue;
    }
    const inline = body.subarray(e + (big ? 12 : 8), e + entrySize);
    let payload: Buffer;
    if (bytes <= offSize) payload = inline;
    else {
      const at = big ? Number(le ? inline.readBigUInt64LE(0) : inline.readBigUInt64BE(0)) : le ? inline.readUInt32LE(0) : inline.readUInt32BE(0);
      payload = file.read(at, bytes, `TIFF tag ${tag}`);
    }
    tags.set(tag, readValues(payload, type, count, le));
  }
  const nb = body.subarray(n * entrySize);
  const next = big ? Number(le ? nb.readBigUInt64LE(0) : nb.readBigUInt64BE(0)) : le ? nb.readUInt32LE(0) : nb.readUInt32BE(0);
  return { offset, tags, next };
}

/** First number of a numeric tag, or `dflt`. */
export function tagNumber(ifd: Ifd, tag: number, dflt: number): number {
  const v = ifd.tags.get(tag);
  return Array.isArray(v) && v.length > 0 ? v[0] : dflt;
}

/** All numbers of a numeric tag (empty when absent). */
export function tagNumbers(ifd: Ifd, tag: number): number[] {
  const v = ifd.tags.get(tag);
  return Array.isArray(v) ? v : [];
}

/** A string tag, or undefined. */
export function tagString(ifd: Ifd, tag: number): string | undefined {
  const v = ifd.tags.get(tag);
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8').replace(/\0+$/, '');
  return undefined;
}

function pixelTypeOf(path: string, bits: number, format: number, index: number): PixelType {
  const key = `${format}:${bits}`;
  const map: Record<string, PixelType> = {
    '1:8': 'uint8',
    '1:16': 'uint16',
    '1:32': 'uint32',
    '1:64': 'uint64',
    '2:8': 'int8',
    '2:16': 'int16',
    '2:32': 'int32',
    '2:64': 'int64',
    '3:16': 'float16',
    '3:32': 'float32',
    '3:64': 'float64',
  };
  const t = map[key] ?? (format === 4 ? map[`1:${bits}`] : undefined);
  if (!t) {
    const kind = format === 3 ? 'float' : format === 2 ? 'signed' : format === 1 ? 'unsigned' : `sample format ${format}`;
    throw new AtomdynError(path, `unsupported TIFF pixel type on page ${index}: ${bits}-bit ${kind} (atomdyn reads 8/16/32/64-bit integers and 16/32/64-bit floats)`);
  }
  return t;
}

/**
 * Interpret a directory as a page: size, sample type, compression and strip/tile layout.
 * @throws AtomdynError for missing required tags or unsupported layouts (bilevel, palette, planar RGB)
 */
export function pageFromIfd(path: string, ifd: Ifd, index: number): TiffPage {
  const width = tagNumber(ifd, TAG.ImageWidth, 0);
  const height = tagNumber(ifd, TAG.ImageLength, 0);
  const spp = tagNumber(ifd, TAG.SamplesPerPixel, 1);
  const bitsAll = tagNumbers(ifd, TAG.BitsPerSample);
  const bits = bitsAll.length ? bitsAll[0] : 1;
  if (bitsAll.some((b) => b !== bits)) throw new AtomdynError(path, `unsupported TIFF: page ${index} mixes bit depths ${bitsAll.join('/')}`);
  const format = tagNumber(ifd, TAG.SampleFormat, 1);
  const compression = tagNumber(ifd, TAG.Compression, 1);
  const photometric = tagNumber(ifd, TAG.Photometric, 1);
  const planar = tagNumber(ifd, TAG.PlanarConfiguration, 1);
  const tiled = ifd.tags.has(TAG.TileOffsets);
  const chunkOffsets = tagNumbers(ifd, tiled ? TAG.TileOffsets : TAG.StripOffsets);
  const chunkByteCounts = tagNumbers(ifd, tiled ? TAG.TileByteCounts : TAG.StripByteCounts);
  if (!width || !height) throw new AtomdynError(path, `corrupt TIFF: page ${index} has no image width/height`);
  checkShape(path, 1, height, width);
  if (!chunkOffsets.length) throw new AtomdynError(path, `corrupt TIFF: page ${index} has no strip or tile offsets`);
  if (photometric === 3) throw new AtomdynError(path, `unsupported TIFF: page ${index} is a palette (indexed colour) image`);
  if (bits === 1) throw new AtomdynError(path, `unsupported TIFF: page ${index} is a 1-bit (black and white) image`);
  if (spp > 1 && planar !== 1) throw new AtomdynError(path, `unsupported TIFF: page ${index} stores colour samples in separate planes`);
  const rowsPerStrip = Math.min(height, tagNumber(ifd, TAG.RowsPerStrip, height) || height);
  const tileWidth = tiled ? tagNumber(ifd, TAG.TileWidth, 0) : width;
  const tileHeight = tiled ? tagNumber(ifd, TAG.TileLength, 0) : rowsPerStrip;
  if (tiled && (!tileWidth || !tileHeight)) throw new AtomdynError(path, `corrupt TIFF: page ${index} has tiles without a tile size`);
  const expectedChunks = tiled ? Math.ceil(width / tileWidth) * Math.ceil(height / tileHeight) : Math.ceil(height / rowsPerStrip);
  if (chunkOffsets.length < expectedChunks) {
    throw new AtomdynError(path, `corrupt TIFF: page ${index} has ${chunkOffsets.length} ${tiled ? 'tiles' : 'strips'}, needs ${expectedChunks}`);
  }
  return {
    index,
    width,
    height,
    samplesPerPixel: spp,
    bitsPerSample: bits,
    pixelType: pixelTypeOf(path, bits, format, index),
    compression,
    predictor: tagNumber(ifd, TAG.Predictor, 1),
    photometric,
    planar,
    chunkOffsets,
    chunkByteCounts,
    rowsPerStrip,
    tiled,
    tileWidth,
    tileHeight,
    reduced: (tagNumber(ifd, TAG.NewSubfileType, 0) & 1) === 1,
  };
}
