/**
 * Test helper: a tiny DigitalMicrograph DM3/DM4 writer, following the same published layout the reader
 * uses (big-endian structure, tag data in the header's byte order, DM4 with 8-byte counts and tag
 * sizes). Enough to write an ImageList with calibrated images and stacks.
 */

/** A tag value to write. */
export type DmNode =
  | { kind: 'group'; entries: Array<[string, DmNode]> }
  | { kind: 'number'; type: number; value: number }
  | { kind: 'array'; type: number; values: ArrayLike<number> }
  | { kind: 'text'; value: string };

/** Group helper: names '' make an unnamed list entry. */
export const group = (entries: Array<[string, DmNode]>): DmNode => ({ kind: 'group', entries });
/** Simple number of DM type code (2 int16, 3 int32, 4 uint16, 5 uint32, 6 float32, 7 float64, ...). */
export const num = (type: number, value: number): DmNode => ({ kind: 'number', type, value });
/** Array of DM element type code. */
export const arr = (type: number, values: ArrayLike<number>): DmNode => ({ kind: 'array', type, values });
/** DM text: an array of uint16 characters. */
export const text = (value: string): DmNode => ({ kind: 'text', value });

const SIZE: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 8: 1, 9: 1, 10: 1, 11: 8, 12: 8 };

function encodeValue(type: number, v: number, le: boolean): Buffer {
  const b = Buffer.alloc(SIZE[type]);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 2:
      dv.setInt16(0, v, le);
      break;
    case 3:
      dv.setInt32(0, v, le);
      break;
    case 4:
      dv.setUint16(0, v, le);
      break;
    case 5:
      dv.setUint32(0, v, le);
      break;
    case 6:
      dv.setFloat32(0, v, le);
      break;
    case 7:
      dv.setFloat64(0, v, le);
      break;
    case 8:
    case 10:
      dv.setUint8(0, v);
      break;
    case 9:
      dv.setInt8(0, v);
      break;
    case 11:
      dv.setBigInt64(0, BigInt(v), le);
      break;
    case 12:
      dv.setBigUint64(0, BigInt(v), le);
      break;
  }
  return b;
}

/**
 * Serialise a DM file.
 * @param version 3 or 4
 * @param root entries of the root group
 * @param littleEndian byte order of the tag data (header word 1 = little-endian)
 */
export function writeDm(version: 3 | 4, root: Array<[string, DmNode]>, littleEndian = true): Buffer {
  const dm4 = version === 4;
  const be32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    return b;
  };
  const be64 = (v: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(v));
    return b;
  };
  const count = (v: number): Buffer => (dm4 ? be64(v) : be32(v));
  const encodeData = (node: DmNode): Buffer => {
    let info: number[];
    let data: Buffer;
    if (node.kind === 'number') {
      info = [node.type];
      data = encodeValue(node.type, node.value, littleEndian);
    } else if (node.kind === 'array') {
      info = [20, node.type, node.values.length];
      data = Buffer.concat(Array.from(node.values, (v) => encodeValue(node.type, v, littleEndian)));
    } else if (node.kind === 'text') {
      const codes = Array.from(node.value, (c) => c.charCodeAt(0));
      info = [20, 4, codes.length];
      data = Buffer.concat(codes.map((c) => encodeValue(4, c, littleEndian)));
    } else throw new Error('group is not data');
    return Buffer.concat([Buffer.from('%%%%', 'latin1'), count(info.length), ...info.map(count), data]);
  };
  const encodeGroup = (entries: Array<[string, DmNode]>): Buffer => {
    const parts: Buffer[] = [Buffer.from([0, 1]), count(entries.length)];
    for (const [name, node] of entries) {
      const nameBuf = Buffer.from(name, 'latin1');
      const nameLen = Buffer.alloc(2);
      nameLen.writeUInt16BE(nameBuf.length);
      const body = node.kind === 'group' ? encodeGroup(node.entries) : encodeData(node);
      parts.push(Buffer.from([node.kind === 'group' ? 20 : 21]), nameLen, nameBuf);
      if (dm4) parts.push(be64(body.length));
      parts.push(body);
    }
    return Buffer.concat(parts);
  };
  const body = encodeGroup(root);
  const tail = dm4 ? Buffer.alloc(8) : Buffer.alloc(8);
  const header = Buffer.concat([be32(version), dm4 ? be64(body.length + tail.length) : be32(body.length + tail.length), be32(littleEndian ? 1 : 0)]);
  return Buffer.concat([header, body, tail]);
}

/** DM data type code of the image (ImageData/DataType) for an element type code. */
const IMAGE_TYPE: Record<number, number> = { 2: 1, 6: 2, 10: 6, 3: 7, 9: 9, 4: 10, 5: 11, 7: 12 };

/** One calibrated image entry of an ImageList. */
export function imageEntry(opts: {
  name: string;
  elemType: number;
  dims: number[];
  data: ArrayLike<number>;
  scales?: Array<{ scale: number; units: string }>;
  voltage?: number;
  imageType?: number;
}): DmNode {
  const dims = opts.dims.map((d): [string, DmNode] => ['', num(5, d)]);
  const cals = (opts.scales ?? opts.dims.map(() => ({ scale: 1, units: '' }))).map(
    (c): [string, DmNode] => ['', group([['Origin', num(6, 0)], ['Scale', num(6, c.scale)], ['Units', text(c.units)]])],
  );
  const entries: Array<[string, DmNode]> = [
    [
      'ImageData',
      group([
        ['Calibrations', group([['Brightness', group([['Scale', num(6, 1)], ['Units', text('')]])], ['Dimension', group(cals)]])],
        ['Data', arr(opts.elemType, opts.data)],
        ['DataType', num(3, opts.imageType ?? IMAGE_TYPE[opts.elemType])],
        ['Dimensions', group(dims)],
        ['PixelDepth', num(3, SIZE[opts.elemType])],
      ]),
    ],
    ['ImageTags', group(opts.voltage ? [['Microscope Info', group([['Voltage', num(7, opts.voltage)]])]] : [])],
    ['Name', text(opts.name)],
  ];
  return group(entries);
}
