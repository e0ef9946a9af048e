/**
 * A check of an HDF5 file's superblock before the HDF5 library (h5wasm) sees the file: the
 * signature, the superblock version, the sizes of offsets and lengths, the superblock checksum
 * (versions 2 and 3) and the addresses it holds (end of file, root group) against the length of the
 * file. A file that fails is reported in one line naming it, without running HDF5 code on it.
 *
 * Layout: "HDF5 File Format Specification Version 3.0", section II.A (Superblock). Versions 0 and 1
 * store the end-of-file address after the base, free-space and (v0/v1) addresses; versions 2 and 3
 * store base, superblock-extension, end-of-file and root-object-header addresses, then a Jenkins
 * lookup3 checksum of everything before it.
 */
import { AtomdynError } from '../errors.ts';
import { RandomAccessFile } from './randomAccessFile.ts';

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What {@link checkHdf5Superblock} read from a valid superblock. */
export interface Hdf5Superblock {
  /** Byte offset of the signature (0 or 512 * 2^k after a user block). */
  base: number;
  /** Superblock version (0-3). */
  version: number;
  /** Bytes per address (2, 4 or 8). */
  offsetSize: number;
  /** Bytes per length (2, 4 or 8). */
  lengthSize: number;
  /** The end-of-file address the superblock states, relative to `base`. */
  endOfFile: number;
}

/**
 * Jenkins' lookup3 `hashlittle` (Bob Jenkins 2006), as HDF5's H5_checksum_lookup3 with initial value 0.
 * @param data bytes to hash
 * @returns the 32-bit checksum (unsigned)
 */
export function lookup3(data: Uint8Array, initval = 0): number {
  const rot = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
  let length = data.length;
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  const word = (i: number): number => (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
  while (length > 12) {
    a = (a + word(k)) >>> 0;
    b = (b + word(k + 4)) >>> 0;
    c = (c + word(k + 8)) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c;
  // the last 1..12 bytes, zero-padded, added as three little-endian words
  const tail = new Uint8Array(12);
  tail.set(data.subarray(k, k + length));
  const t = (i: number): number => (tail[i] | (tail[i + 1] << 8) | (tail[i + 2] << 16) | (tail[i + 3] << 24)) >>> 0;
  a = (a + t(0)) >>> 0;
  b = (b + t(4)) >>> 0;
  c = (c + t(8)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  return c;
}

/** Read an unsigned little-endian integer of `size` bytes; undefined-address (all 0xff) gives -1. */
function readAddress(buf: Buffer, at: number, size: number): number {
  let allOnes = true;
  let v = 0;
  for (let i = size - 1; i >= 0; i--) {
    const byte = buf[at + i];
    if (byte !== 0xff) allOnes = false;
    v = v * 256 + byte;
  }
  return allOnes ? -1 : v;
}

/**
 * Check the superblock of `path` against the file's length.
 * @returns the superblock's version, sizes and stated end of file
 * @throws AtomdynError (one line naming the file) for a missing signature, an unknown superblock
 *   version, impossible offset/length sizes, a wrong superblock checksum, or an end-of-file or root
 *   address beyond the end of the file (truncated file)
 */
export function checkHdf5Superblock(path: string): Hdf5Superblock {
  const f = new RandomAccessFile(path);
  try {
    let base = -1;
    for (let at = 0; at + 8 <= f.size && at < 2 ** 40; at = at === 0 ? 512 : at * 2) {
      if (f.read(at, 8).equals(SIGNATURE)) {
        base = at;
        break;
      }
    }
    if (base < 0) throw new AtomdynError(path, 'not an HDF5 file (no HDF5 signature; truncated or corrupt?)');
    const head = f.readAtMost(base, 256);
    const bad = (what: string): AtomdynError => new AtomdynError(path, `corrupt HDF5 file: ${what}`);
    if (head.length < 12) throw bad(`the superblock is cut off (the file has ${f.size} bytes)`);
    const version = head[8];
    if (version > 3) throw bad(`unknown superblock version ${version} (0-3 exist)`);
    const okSize = (s: number): boolean => s === 2 || s === 4 || s === 8;
    let offsetSize: number;
    let lengthSize: number;
    let eofAt: number;
    let rootAt: number;
    let end: number;
    if (version <= 1) {
      offsetSize = head[13];
      lengthSize = head[14];
      if (!okSize(offsetSize) || !okSize(lengthSize)) throw bad(`sizes of offsets ${offsetSize} and lengths ${lengthSize} bytes (2, 4 or 8 expected)`);
      const start = version === 0 ? 24 : 28;
      eofAt = start + 2 * offsetSize;
      // root group symbol table entry: link name offset, then the object header address
      rootAt = start + 4 * offsetSize + offsetSize;
      end = rootAt + offsetSize;
    } else {
      offsetSize = head[9];
      lengthSize = head[10];
      if (!okSize(offsetSize) || !okSize(lengthSize)) throw bad(`sizes of offsets ${offsetSize} and lengths ${lengthSize} bytes (2, 4 or 8 expected)`);
      eofAt = 12 + 2 * offsetSize;
      rootAt = 12 + 3 * offsetSize;
      end = 12 + 4 * offsetSize;
      if (head.length < end + 4) throw bad(`the superblock is cut off (the file has ${f.size} bytes)`);
      const stored = head.readUInt32LE(end);
      const computed = lookup3(head.subarray(0, end));
      if (stored !== computed) throw bad('superblock checksum does not match (the first bytes of the file are damaged)');
    }
    if (head.length < end) throw bad(`the superblock is cut off (the file has ${f.size} bytes)`);
    const endOfFile = readAddress(head, eofAt, offsetSize);
    const root = readAddress(head, rootAt, offsetSize);
    const available = f.size - base;
    if (endOfFile < 0 || endOfFile > available) {
      throw new AtomdynError(path, `HDF5 file is truncated: its superblock states ${endOfFile < 0 ? 'no' : endOfFile} bytes, the file holds ${available}`);
    }
    if (root < 0 || root >= endOfFile) throw bad(`the root group address ${root} lies outside the file (${endOfFile} bytes)`);
    return { base, version, offsetSize, lengthSize, endOfFile };
  } finally {
    f.close();
  }
}
