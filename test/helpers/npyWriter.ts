/**
 * Test helper: write NumPy .npy bytes (format 1.0, 2.0 or 3.0) for any shape, dtype, byte order and
 * memory order, following numpy.lib.format (header padded with spaces to a multiple of 64 bytes).
 */
import { encodeSamples } from './tiffBuilder.ts';
import type { PixelType } from '../../data/readers/pixelDecode.ts';

const KIND: Partial<Record<PixelType, string>> = {
  uint8: 'u1',
  int8: 'i1',
  uint16: 'u2',
  int16: 'i2',
  uint32: 'u4',
  int32: 'i4',
  uint64: 'u8',
  int64: 'i8',
  float32: 'f4',
  float64: 'f8',
};

/**
 * @param data values in C (row-major) order of `shape`; written in Fortran order when `fortran`
 * @param descr overrides the dtype string (for unsupported-dtype tests)
 */
export function npyBytes(
  type: PixelType,
  shape: number[],
  data: ArrayLike<number>,
  opts: { bigEndian?: boolean; fortran?: boolean; version?: 1 | 2 | 3; descr?: string } = {},
): Buffer {
  const bo = KIND[type]!.endsWith('1') ? '|' : opts.bigEndian ? '>' : '<';
  const descr = opts.descr ?? `${bo}${KIND[type]}`;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const version = opts.version ?? 1;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(Buffer.byteLength(header), 8);
  let values: ArrayLike<number> = data;
  if (opts.fortran) {
    // C-order index -> Fortran-order position.
    const n = data.length;
    const out = new Array<number>(n);
    const strideC = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const strideF = shape.map((_, i) => shape.slice(0, i).reduce((a, b) => a * b, 1));
    for (let c = 0; c < n; c++) {
      let f = 0;
      for (let ax = 0; ax < shape.length; ax++) f += (Math.floor(c / strideC[ax]) % shape[ax]) * strideF[ax];
      out[f] = data[c];
    }
    values = out;
  }
  return Buffer.concat([head, Buffer.from(header, version === 3 ? 'utf8' : 'latin1'), encodeSamples(type, values, !opts.bigEndian)]);
}
