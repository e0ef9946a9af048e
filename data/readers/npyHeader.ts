/**
 * The NumPy `.npy` header (format versions 1.0, 2.0 and 3.0, NEP 1 / numpy.lib.format):
 * magic `\x93NUMPY`, major and minor version bytes, a little-endian header length (2 bytes in v1,
 * 4 bytes in v2/v3), then a Python dict literal `{'descr': '<f8', 'fortran_order': False,
 * 'shape': (5, 128, 128), }` (latin-1 in v1/v2, UTF-8 in v3). The data follow the header.
 */
import { AtomdynError } from '../errors.ts';
import type { PixelType } from './pixelDecode.ts';

/** A parsed `.npy` header. */
export interface NpyHeader {
  /** Format version, e.g. '1.0'. */
  version: string;
  /** The dtype string as stored, e.g. '<f8'. */
  descr: string;
  pixelType: PixelType;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first data byte. */
  dataOffset: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** True when `head` starts with the NumPy magic. */
export function isNpyMagic(head: Uint8Array): boolean {
  return head.length >= 6 && MAGIC.equals(Buffer.from(head.subarray(0, 6)));
}

const KIND: Record<string, PixelType> = {
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  b1: 'uint8',
};

/**
 * Parse the header from the first bytes of a file.
 * @param path for error messages
 * @param read reads `length` bytes at `position` (bounds-checked by the caller)
 * @param fileSize total file size
 * @throws AtomdynError for a bad magic, unknown version, malformed dict, structured/complex/object
 *   dtypes
 */
export function parseNpyHeader(path: string, read: (pos: number, len: number) => Buffer, fileSize: number): NpyHeader {
  if (fileSize < 10) throw new AtomdynError(path, 'not a NumPy .npy file (too short)');
  const pre = read(0, 12 <= fileSize ? 12 : 10);
  if (!isNpyMagic(pre)) throw new AtomdynError(path, 'not a NumPy .npy file (bad magic bytes)');
  const major = pre[6];
  const minor = pre[7];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = pre.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (pre.length < 12) throw new AtomdynError(path, 'file is truncated: incomplete .npy header');
    headerLen = pre.readUInt32LE(8);
    start = 12;
  } else {
    throw new AtomdynError(path, `unsupported .npy format version ${major}.${minor}`);
  }
  if (start + headerLen > fileSize) throw new AtomdynError(path, `file is truncated: .npy header claims ${headerLen} bytes`);
  if (headerLen > 1 << 20) throw new AtomdynError(path, `corrupt .npy header (claims ${headerLen} bytes)`);
  const text = read(start, headerLen).toString(major === 3 ? 'utf8' : 'latin1');

  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  const fortM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new AtomdynError(path, 'unsupported .npy: structured (record) array; atomdyn reads plain numeric arrays');
  if (!descrM || !fortM || !shapeM) throw new AtomdynError(path, `corrupt .npy header: ${JSON.stringify(text.trim().slice(0, 80))}`);
  const descr = descrM[2];
  const bo = descr[0];
  const kind = descr.slice(1);
  if (!'<>|='.includes(bo)) throw new AtomdynError(path, `corrupt .npy header: dtype '${descr}'`);
  const pixelType = KIND[kind];
  if (!pixelType) {
    const what = kind.startsWith('c') ? 'complex numbers' : kind.startsWith('O') ? 'Python objects' : kind.startsWith('U') || kind.startsWith('S') ? 'strings' : `dtype '${descr}'`;
    throw new AtomdynError(path, `unsupported .npy array of ${what}; atomdyn reads integer and float arrays`);
  }
  const shape: number[] = [];
  for (const part of shapeM[1].split(',')) {
    const s = part.trim().replace(/L$/, '');
    if (!s) continue;
    if (!/^\d+$/.test(s)) throw new AtomdynError(path, `corrupt .npy header: shape (${shapeM[1]})`);
    shape.push(Number(s));
  }
  return {
    version: `${major}.${minor}`,
    descr,
    pixelType,
    littleEndian: bo !== '>',
    fortranOrder: fortM[1] === 'True',
    shape,
    dataOffset: start + headerLen,
  };
}
