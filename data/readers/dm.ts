/**
 * Gatan DigitalMicrograph DM3/DM4 reader (tag parsing in dmTags.ts).
 *
 * - The main image: among `ImageList` entries with image data, excluding colour (RGB) images such as
 *   the thumbnail usually stored at `ImageList[0]`, the one with the most pixels (later index on a tie);
 *   `dataset: 'ImageList/N'` (or `N`) picks entry N.
 * - `ImageData/Dimensions` is `[width, height(, frames)]`, x fastest; a 3-D image is a stack of frames
 *   (each frame contiguous), read one at a time.
 * - `ImageData/DataType`: 1 int16, 2 float32, 6 uint8, 7 int32, 9 int8, 10 uint16, 11 uint32,
 *   12 float64, 14 binary (uint8), 39 int64, 40 uint64; complex and RGB images are refused.
 * - Calibration: `ImageData/Calibrations/Dimension[0]` `Scale` in `Units` (nm, µm, Å, pm...) is the
 *   pixel size; an empty unit means uncalibrated. `Dimension[2]` with a time unit is the frame time.
 */
import { AtomdynError } from '../errors.ts';
import type { FrameStack } from '../frameStack.ts';
import type { Sourced } from '../runMetadata.ts';
import { formatNumber, isTimeUnit, lengthToPm, timeToSeconds } from '../units.ts';
import { RandomAccessFile } from './randomAccessFile.ts';
import { decodePixels, type PixelType } from './pixelDecode.ts';
import { createFrameStack, type ReaderMetadata } from './stackBase.ts';
import { dmGet, isArrayRef, parseDmTags, type DmArrayRef, type DmValue } from './dmTags.ts';

/** DM image DataType code -> sample type, or a description of a type atomdyn does not read. */
const DM_TYPES: Record<number, PixelType | string> = {
  1: 'int16',
  2: 'float32',
  3: 'complex (not read)',
  5: 'packed complex (not read)',
  6: 'uint8',
  7: 'int32',
  8: 'RGB colour (not read)',
  9: 'int8',
  10: 'uint16',
  11: 'uint32',
  12: 'float64',
  13: 'complex (not read)',
  14: 'uint8',
  23: 'RGB colour (not read)',
  39: 'int64',
  40: 'uint64',
};
const PIXEL_TYPES = new Set(['int16', 'float32', 'uint8', 'int32', 'int8', 'uint16', 'uint32', 'float64', 'int64', 'uint64']);

/** DM element type code -> bytes. */
const ELEM_BYTES: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 8: 1, 9: 1, 10: 1, 11: 8, 12: 8 };

interface DmImage {
  index: number;
  name: string;
  dims: number[];
  dataType: number;
  data: DmArrayRef;
  entry: DmValue;
}

function numberOf(v: DmValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function imagesOf(root: DmValue): DmImage[] {
  const list = dmGet(root, 'ImageList');
  if (!Array.isArray(list)) return [];
  const out: DmImage[] = [];
  list.forEach((entry, index) => {
    const data = dmGet(entry, 'ImageData', 'Data');
    const dimsV = dmGet(entry, 'ImageData', 'Dimensions');
    const dt = numberOf(dmGet(entry, 'ImageData', 'DataType'));
    if (!isArrayRef(data) && !Array.isArray(data)) return;
    const dims = Array.isArray(dimsV) ? dimsV.filter((d): d is number => typeof d === 'number') : [];
    const name = dmGet(entry, 'Name');
    let ref: DmArrayRef;
    if (isArrayRef(data)) ref = data;
    else ref = { $array: true, elemType: 0, length: (data as DmValue[]).length, offset: -1, elemSize: 0 };
    out.push({ index, name: typeof name === 'string' ? name : '', dims, dataType: dt ?? -1, data: ref, entry });
  });
  return out;
}

function describeImage(im: DmImage): string {
  const t = DM_TYPES[im.dataType] ?? `DataType ${im.dataType}`;
  return `ImageList/${im.index} ${im.dims.join(' x ')} ${t}${im.name ? ` '${im.name}'` : ''}`;
}

/** Options of {@link openDm}. */
export interface DmOptions {
  /** `ImageList/N` or `N`: the image to read. */
  dataset?: string;
}

/**
 * Open a DM3/DM4 file.
 * @throws AtomdynError for a non-DM, truncated or corrupt file, no image, a refused data type, or a
 *   wrong `dataset`
 */
export function openDm(path: string, opts: DmOptions = {}): FrameStack {
  const file = new RandomAccessFile(path);
  try {
    return build(file, opts);
  } catch (e) {
    file.close();
    throw e;
  }
}

function build(file: RandomAccessFile, opts: DmOptions): FrameStack {
  const path = file.path;
  const dm = parseDmTags(file);
  const images = imagesOf(dm.root);
  if (!images.length) throw new AtomdynError(path, 'no image data in this DigitalMicrograph file');
  let im: DmImage | undefined;
  if (opts.dataset !== undefined) {
    const m = /^(?:\/?ImageList\/?)?\[?(\d+)\]?$/.exec(opts.dataset.trim());
    im = m ? images.find((x) => x.index === Number(m[1])) : undefined;
    if (!im) throw new AtomdynError(path, `no image '${opts.dataset}'; images: ${images.map(describeImage).join(', ')}`);
  } else {
    const usable = images.filter((x) => PIXEL_TYPES.has(String(DM_TYPES[x.dataType])) && x.dims.filter((d) => d > 1).length >= 2);
    const pool = usable.length ? usable : images;
    im = pool.reduce((best, x) => (x.dims.reduce((a, b) => a * b, 1) >= best.dims.reduce((a, b) => a * b, 1) ? x : best));
  }
  const type = DM_TYPES[im.dataType];
  if (!type || !PIXEL_TYPES.has(type)) {
    throw new AtomdynError(path, `unsupported DigitalMicrograph image: ${describeImage(im)}${type ? '' : ' (unknown data type)'}`);
  }
  const pixelType = type as PixelType;
  const dims = im.dims;
  if (dims.length === 0 || dims.some((d) => d === 0)) throw new AtomdynError(path, `zero-sized image (${describeImage(im)})`);
  const big = dims.filter((d) => d > 1);
  if (big.length < 2) throw new AtomdynError(path, `1-D data (${describeImage(im)}); atomdyn needs a 2-D image or a stack`);
  if (dims.length > 3 && dims.slice(3).some((d) => d > 1)) throw new AtomdynError(path, `${dims.length}-D data (${describeImage(im)}); atomdyn reads images and stacks of images`);
  const width = dims[0];
  const height = dims[1] ?? 1;
  const count = dims[2] ?? 1;
  if (height === 1) throw new AtomdynError(path, `1-D data (${describeImage(im)}); atomdyn needs a 2-D image or a stack`);
  const bpp = Number(pixelType.replace(/\D/g, '')) / 8;
  const frameBytes = width * height * bpp;
  const data = im.data;
  if (data.offset < 0) throw new AtomdynError(path, `image data of ${describeImage(im)} is too small to be an image`);
  const dataBytes = data.length * (ELEM_BYTES[data.elemType] ?? data.elemSize);
  if (dataBytes < frameBytes * count) {
    throw new AtomdynError(path, `corrupt DigitalMicrograph file: ${describeImage(im)} needs ${frameBytes * count} bytes of data, the tag holds ${dataBytes}`);
  }
  if (data.offset + frameBytes * count > file.size) {
    throw new AtomdynError(path, `file is truncated: image data ends at byte ${data.offset + frameBytes * count} but the file has ${file.size} bytes`);
  }

  // Calibration.
  const calDims = dmGet(im.entry, 'ImageData', 'Calibrations', 'Dimension');
  const cal = (k: number): { scale: number | null; units: string } => {
    const d = Array.isArray(calDims) ? calDims[k] : undefined;
    const u = dmGet(d, 'Units');
    return { scale: numberOf(dmGet(d, 'Scale')), units: typeof u === 'string' ? u : '' };
  };
  const cx = cal(0);
  const cy = cal(1);
  let pixel: Sourced<number>;
  const pm = cx.scale !== null ? lengthToPm(cx.scale, cx.units) : null;
  if (pm !== null) {
    pixel = { value: pm, origin: 'file', note: `DM ImageList/${im.index} Calibrations Dimension 0: ${formatNumber(cx.scale!)} ${cx.units}/px` };
    const pmY = cy.scale !== null ? lengthToPm(cy.scale, cy.units) : null;
    if (pmY !== null && Math.abs(pmY - pm) > 1e-6 * pm) pixel.note += ` (rows ${formatNumber(pmY)} pm; non-square pixels, x used)`;
  } else {
    pixel = {
      value: null,
      origin: 'none',
      note: cx.units ? `DM calibration unit '${cx.units}' is not a length` : 'no spatial calibration in the file (Dimension 0 has no unit)',
    };
  }
  let frame: Sourced<number> = { value: null, origin: 'none', note: count > 1 ? 'no time calibration of the frame axis' : 'single image, no frame time' };
  const warnings: string[] = [];
  if (count > 1) {
    const ct = cal(2);
    if (ct.scale !== null && isTimeUnit(ct.units)) {
      const s = timeToSeconds(ct.scale, ct.units);
      if (s !== null) frame = { value: s, origin: 'file', note: `DM Calibrations Dimension 2: ${formatNumber(ct.scale)} ${ct.units}/frame` };
    } else if (ct.units && !isTimeUnit(ct.units)) {
      warnings.push(`third axis has unit '${ct.units}': this may be a spectrum image rather than a movie; read as ${count} frames`);
    }
  }

  const tags = dmGet(im.entry, 'ImageTags');
  const summary: Record<string, string> = {
    image: describeImage(im),
    version: `DM${dm.version}, ${dm.littleEndian ? 'little' : 'big'}-endian data`,
  };
  const others = images.filter((x) => x !== im);
  if (others.length) summary['other images'] = others.map(describeImage).join('; ');
  const v = numberOf(dmGet(tags, 'Microscope Info', 'Voltage'));
  if (v !== null) summary['acceleration voltage'] = `${formatNumber(v / 1000)} kV`;
  const mic = dmGet(tags, 'Microscope Info', 'Microscope');
  if (typeof mic === 'string' && mic) summary.instrument = mic;
  const mode = dmGet(tags, 'Microscope Info', 'Operation Mode');
  if (typeof mode === 'string' && mode) summary.mode = mode;
  const mag = numberOf(dmGet(tags, 'Microscope Info', 'Indicated Magnification'));
  if (mag !== null) summary.magnification = formatNumber(mag);
  const st = numberOf(dmGet(tags, 'DigiScan', 'Sample Time'));
  if (st !== null) summary['pixel time'] = `${formatNumber(st)} us`;
  const date = dmGet(tags, 'DataBar', 'Acquisition Date');
  const time = dmGet(tags, 'DataBar', 'Acquisition Time');
  if (typeof date === 'string') summary.acquired = `${date}${typeof time === 'string' ? ` ${time}` : ''}`;
  const metadata: ReaderMetadata = { summary, warnings, original: { version: dm.version, image: im.index, tags: dm.root } };

  return createFrameStack({
    path: opts.dataset !== undefined ? `${path}:ImageList/${im.index}` : path,
    format: dm.version === 4 ? 'dm4' : 'dm3',
    count,
    height,
    width,
    dtype: pixelType,
    calibration: { pixelSizePm: pixel, frameTimeS: frame },
    metadata,
    decodeFrame: (i) => {
      const bytes = file.read(data.offset + i * frameBytes, frameBytes, `frame ${i}`);
      return decodePixels(bytes, pixelType, dm.littleEndian, width * height);
    },
    close: () => file.close(),
  });
}
