/**
 * TIFF reader: multi-page TIFF and ImageJ hyperstacks (TIFF 6.0 + BigTIFF), one page decoded per
 * readFrame, so memory does not grow with the number of frames.
 *
 * - Sample types: 8/16/32/64-bit unsigned and signed integers, 16/32/64-bit floats, either byte
 *   order; uncompressed, LZW, Deflate or PackBits; strips or tiles; predictors 2 and 3.
 *   Colour (RGB/RGBA, chunky) pages become luminance Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601);
 *   WhiteIsZero pages are inverted (max - value).
 * - Frames: the full-resolution pages (reduced-resolution pages, NewSubfileType bit 0, are skipped).
 *   ImageJ hyperstacks: `images = channels x slices x frames`, channel fastest; a stack with several
 *   channels is read for one channel (0 unless `dataset: 'channel=K'`), slices and frames flattened
 *   slice-fastest. ImageJ files whose data is contiguous after the first page (ImageJ's large-file
 *   layout, fewer directories than `images`) are read at computed offsets.
 * - A file claiming more than it holds (pixel data past the end of the file, an impossible
 *   compression ratio, > 2^28 pixels per frame, more images than fit) is rejected when opened.
 * - Calibration: see tiffCalibration.ts.
 */
import { AtomdynError } from '../errors.ts';
import type { FrameStack } from '../frameStack.ts';
import { RandomAccessFile } from './randomAccessFile.ts';
import { BYTES_PER_SAMPLE, decodePixels } from './pixelDecode.ts';
import { createFrameStack, checkShape, type ReaderMetadata } from './stackBase.ts';
import { TAG, pageFromIfd, readIfd, readTiffHeader, tagNumber, type Ifd, type TiffPage } from './tiffDirectory.ts';
import {
  COMPRESSION_NAMES,
  SUPPORTED_COMPRESSION,
  deflateDecode,
  lzwDecode,
  packBitsDecode,
  undoFloatPredictor,
  undoHorizontalPredictor,
} from './tiffDecompress.ts';
import { readTiffMetadata, tiffCalibration } from './tiffCalibration.ts';
import { formatNumber } from '../units.ts';

/** Largest ratio of decoded to stored bytes accepted for a compressed strip (LZW's ceiling is ~3600). */
const MAX_COMPRESSION_RATIO = 4096;

/** Most directories followed (a loop or a corrupt chain stops here). */
const MAX_PAGES = 10_000_000;

/** Options of {@link openTiff}. */
export interface TiffOptions {
  /** `channel=K` selects channel K of a multi-channel ImageJ hyperstack. */
  dataset?: string;
}

function bytesPerPixelRow(p: TiffPage): number {
  return p.width * p.samplesPerPixel * BYTES_PER_SAMPLE[p.pixelType];
}

/** Check that a page's pixel data fits in the file and its compression ratio is possible. */
function validatePage(path: string, p: TiffPage, fileSize: number): void {
  checkShape(path, 1, p.height, p.width);
  if (!(p.compression in SUPPORTED_COMPRESSION)) {
    const name = COMPRESSION_NAMES[p.compression] ?? `code ${p.compression}`;
    throw new AtomdynError(path, `unsupported TIFF compression ${name} on page ${p.index} (atomdyn reads uncompressed, LZW, Deflate and PackBits)`);
  }
  const nChunks = p.tiled ? Math.ceil(p.width / p.tileWidth) * Math.ceil(p.height / p.tileHeight) : Math.ceil(p.height / p.rowsPerStrip);
  const bps = BYTES_PER_SAMPLE[p.pixelType] * p.samplesPerPixel;
  for (let i = 0; i < nChunks; i++) {
    const off = p.chunkOffsets[i];
    const count = p.chunkByteCounts[i];
    if (count === undefined) throw new AtomdynError(path, `corrupt TIFF: page ${p.index} lacks byte counts for its strips`);
    const rows = p.tiled ? p.tileHeight : Math.min(p.rowsPerStrip, p.height - i * p.rowsPerStrip);
    const need = (p.tiled ? p.tileWidth : p.width) * rows * bps;
    if (off + count > fileSize) {
      throw new AtomdynError(
        path,
        `TIFF claims more data than the file holds: page ${p.index} ${p.tiled ? 'tile' : 'strip'} ${i} ends at byte ${off + count} but the file has ${fileSize} bytes (truncated or corrupt)`,
      );
    }
    if (p.compression === 1 && count < need) {
      throw new AtomdynError(path, `TIFF claims a ${p.width} x ${p.height} page ${p.index} but strip ${i} holds ${count} of ${need} bytes (corrupt header)`);
    }
    if (p.compression !== 1 && need > MAX_COMPRESSION_RATIO * Math.max(count, 1)) {
      throw new AtomdynError(path, `TIFF claims a ${p.width} x ${p.height} page ${p.index} that cannot fit in its ${count}-byte strip ${i} (corrupt header)`);
    }
  }
}

function decompress(p: TiffPage, raw: Uint8Array, expected: number): Uint8Array {
  switch (p.compression) {
    case 1:
      return raw.length >= expected ? raw.subarray(0, expected) : (() => {
        const o = new Uint8Array(expected);
        o.set(raw);
        return o;
      })();
    case 5:
      if (raw.length >= 2 && raw[0] === 0 && (raw[1] & 1) === 1) throw new Error('old-style (pre-TIFF 6.0) LZW is not supported');
      return lzwDecode(raw, expected);
    case 8:
    case 32946:
      return deflateDecode(raw, expected);
    case 32773:
      return packBitsDecode(raw, expected);
    default:
      throw new Error(`unsupported compression ${p.compression}`);
  }
}

/** Decode `rows x cols` samples of a chunk into float32 luminance values. */
function chunkToFloat(p: TiffPage, bytes: Uint8Array, rows: number, cols: number, le: boolean): Float32Array {
  let data = bytes;
  let littleEndian = le;
  const bps = BYTES_PER_SAMPLE[p.pixelType];
  if (p.predictor === 2) undoHorizontalPredictor(data, rows, cols, p.samplesPerPixel, bps, le);
  else if (p.predictor === 3) {
    data = undoFloatPredictor(data, rows, cols, p.samplesPerPixel, bps);
    littleEndian = false;
  }
  const n = rows * cols * p.samplesPerPixel;
  const flat = decodePixels(data, p.pixelType, littleEndian, n);
  if (p.samplesPerPixel === 1) return flat;
  const out = new Float32Array(rows * cols);
  const s = p.samplesPerPixel;
  for (let i = 0; i < rows * cols; i++) {
    out[i] = s >= 3 ? 0.299 * flat[i * s] + 0.587 * flat[i * s + 1] + 0.114 * flat[i * s + 2] : flat[i * s];
  }
  return out;
}

/** Decode one page into a float32 frame. */
function decodePage(file: RandomAccessFile, p: TiffPage, le: boolean): Float32Array {
  const out = new Float32Array(p.width * p.height);
  const bps = BYTES_PER_SAMPLE[p.pixelType] * p.samplesPerPixel;
  if (!p.tiled) {
    const nStrips = Math.ceil(p.height / p.rowsPerStrip);
    for (let s = 0; s < nStrips; s++) {
      const rows = Math.min(p.rowsPerStrip, p.height - s * p.rowsPerStrip);
      const expected = rows * p.width * bps;
      const raw = file.read(p.chunkOffsets[s], p.chunkByteCounts[s], `page ${p.index} strip ${s}`);
      const bytes = decompress(p, raw, expected);
      out.set(chunkToFloat(p, bytes, rows, p.width, le), s * p.rowsPerStrip * p.width);
    }
  } else {
    const across = Math.ceil(p.width / p.tileWidth);
    const down = Math.ceil(p.height / p.tileHeight);
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++) {
        const t = ty * across + tx;
        const expected = p.tileWidth * p.tileHeight * bps;
        const raw = file.read(p.chunkOffsets[t], p.chunkByteCounts[t], `page ${p.index} tile ${t}`);
        const tile = chunkToFloat(p, decompress(p, raw, expected), p.tileHeight, p.tileWidth, le);
        const x0 = tx * p.tileWidth;
        const y0 = ty * p.tileHeight;
        const w = Math.min(p.tileWidth, p.width - x0);
        const h = Math.min(p.tileHeight, p.height - y0);
        for (let r = 0; r < h; r++) out.set(tile.subarray(r * p.tileWidth, r * p.tileWidth + w), (y0 + r) * p.width + x0);
      }
    }
  }
  if (p.photometric === 0) {
    const max = p.pixelType.startsWith('float') ? 1 : 2 ** p.bitsPerSample - 1;
    for (let i = 0; i < out.length; i++) out[i] = max - out[i];
  }
  return out;
}

/** Copy of `base` read from contiguous data at `offset` (ImageJ large-file layout). */
function contiguousPage(base: TiffPage, index: number, offset: number): TiffPage {
  const bytes = bytesPerPixelRow(base) * base.height;
  return { ...base, index, chunkOffsets: [offset], chunkByteCounts: [bytes], rowsPerStrip: base.height };
}

/**
 * Open a TIFF stack.
 * @param path the file
 * @param opts `dataset: 'channel=K'` for multi-channel ImageJ hyperstacks
 * @throws AtomdynError for non-TIFF, truncated, corrupt, unsupported or impossible files, naming the file
 */
export function openTiff(path: string, opts: TiffOptions = {}): FrameStack {
  const file = new RandomAccessFile(path);
  try {
    return buildStack(file, opts);
  } catch (e) {
    file.close();
    throw e;
  }
}

function buildStack(file: RandomAccessFile, opts: TiffOptions): FrameStack {
  const path = file.path;
  const header = readTiffHeader(file);
  const le = header.littleEndian;
  const first = readIfd(file, header, header.firstIfd);
  const meta = readTiffMetadata(first, le);
  const page0 = pageFromIfd(path, first, 0);
  validatePage(path, page0, file.size);
  const ij = meta.imagej;
  const images = ij?.images ? Number(ij.images) : 0;

  // Walk the directory chain, keeping full-resolution pages.
  const pages: TiffPage[] = [page0];
  const seen = new Set<number>([first.offset]);
  let next = first.next;
  let dir: Ifd;
  while (next !== 0) {
    if (seen.has(next)) throw new AtomdynError(path, `corrupt TIFF: directory chain loops back to byte ${next}`);
    if (seen.size >= MAX_PAGES) throw new AtomdynError(path, `corrupt TIFF: more than ${MAX_PAGES} directories`);
    seen.add(next);
    dir = readIfd(file, header, next);
    const p = pageFromIfd(path, dir, seen.size - 1);
    next = dir.next;
    if (p.reduced) continue;
    if (p.width !== page0.width || p.height !== page0.height) {
      throw new AtomdynError(path, `page ${p.index} is ${p.width} x ${p.height} but page 0 is ${page0.width} x ${page0.height}; atomdyn reads stacks of equal-size frames`);
    }
    validatePage(path, p, file.size);
    pages.push(p);
    if (images && pages.length >= images) break;
  }

  const warnings: string[] = [];
  // ImageJ large-file layout: only the first directory, data contiguous.
  if (ij && images > pages.length) {
    if (pages.length !== 1 || page0.compression !== 1 || page0.tiled) {
      throw new AtomdynError(path, `ImageJ description claims ${images} images but the file has ${pages.length} pages`);
    }
    const frameBytes = bytesPerPixelRow(page0) * page0.height;
    const start = page0.chunkOffsets[0];
    const contiguous = page0.chunkOffsets.every((o, i) => o === start + i * bytesPerPixelRow(page0) * page0.rowsPerStrip);
    if (!contiguous) throw new AtomdynError(path, `ImageJ description claims ${images} images but the file has 1 page with non-contiguous data`);
    if (start + images * frameBytes > file.size) {
      throw new AtomdynError(
        path,
        `TIFF claims ${images} images of ${page0.width} x ${page0.height} ${page0.pixelType} (${start + images * frameBytes} bytes) but the file holds only ${file.size} bytes (truncated or corrupt)`,
      );
    }
    pages.length = 0;
    for (let i = 0; i < images; i++) pages.push(contiguousPage(page0, i, start + i * frameBytes));
  }

  // ImageJ hyperstack: select one channel.
  let selected = pages;
  let channels = ij?.channels ? Math.max(1, Number(ij.channels)) : 1;
  if (!Number.isInteger(channels)) channels = 1;
  let channel = 0;
  const m = opts.dataset ? /^channel=(\d+)$/.exec(opts.dataset.trim()) : null;
  if (opts.dataset && !m) {
    throw new AtomdynError(path, `\`dataset\` '${opts.dataset}' does not apply to a TIFF file (use channel=K for a multi-channel ImageJ hyperstack)`);
  }
  if (m) {
    channel = Number(m[1]);
    if (channel >= channels) throw new AtomdynError(path, `\`dataset\` channel=${channel}: the file has ${channels} channel${channels === 1 ? '' : 's'} (0..${channels - 1})`);
  }
  if (channels > 1) {
    if (pages.length % channels !== 0) throw new AtomdynError(path, `ImageJ hyperstack has ${pages.length} pages, not a multiple of its ${channels} channels`);
    selected = pages.filter((_, i) => i % channels === channel);
    if (!m) warnings.push(`hyperstack has ${channels} channels; reading channel 0 (choose another with --dataset channel=K)`);
  }
  const slices = ij?.slices ? Number(ij.slices) : 1;
  const framesIJ = ij?.frames ? Number(ij.frames) : 1;
  if (slices > 1 && framesIJ > 1) warnings.push(`hyperstack has ${slices} slices x ${framesIJ} frames; read as ${selected.length} frames, slice fastest`);

  const { calibration, warnings: calWarnings } = tiffCalibration(first, meta, page0.height);
  warnings.push(...calWarnings);
  if (page0.samplesPerPixel > 1) warnings.push(`colour TIFF (${page0.samplesPerPixel} samples per pixel) converted to luminance 0.299 R + 0.587 G + 0.114 B`);

  const summary: Record<string, string> = {};
  if (meta.software) summary.software = meta.software;
  if (ij) {
    summary.imagej = `ImageJ ${ij.ImageJ || ''} images=${ij.images ?? pages.length}${ij.channels ? ` channels=${ij.channels}` : ''}${ij.slices ? ` slices=${ij.slices}` : ''}${ij.frames ? ` frames=${ij.frames}` : ''}`.replace(/\s+/g, ' ').trim();
  } else if (meta.description) summary.description = meta.description.split('\n')[0].slice(0, 120);
  if (meta.nion) {
    const p = (meta.nion.properties ?? {}) as Record<string, unknown>;
    const parts = [p.hardware_source_name, p.channel_name].filter((x) => typeof x === 'string');
    if (parts.length) summary.instrument = `Nion ${parts.join(', ')}`;
    if (typeof p.pixel_time_us === 'number') summary['pixel time'] = `${formatNumber(p.pixel_time_us, 4)} us`;
    if (typeof meta.nion.timestamp === 'number') summary.acquired = new Date((meta.nion.timestamp as number) * 1000).toISOString();
  }
  summary.compression = SUPPORTED_COMPRESSION[page0.compression];
  summary.layout = `${header.bigTiff ? 'BigTIFF' : 'TIFF'}, ${le ? 'little' : 'big'}-endian, ${page0.tiled ? 'tiled' : 'strips'}`;

  const original: Record<string, unknown> = {
    description: meta.description,
    software: meta.software,
    imagej: ij,
    nion: meta.nion,
    fei: meta.fei,
    xResolution: first.tags.get(TAG.XResolution),
    yResolution: first.tags.get(TAG.YResolution),
    resolutionUnit: tagNumber(first, TAG.ResolutionUnit, 2),
    pages: pages.length,
  };
  const metadata: ReaderMetadata = { summary, warnings, original };

  return createFrameStack({
    path,
    format: ij ? 'imagej-tiff' : 'tiff',
    count: selected.length,
    height: page0.height,
    width: page0.width,
    dtype: page0.pixelType,
    calibration,
    metadata,
    decodeFrame: (i) => decodePage(file, selected[i], le),
    close: () => file.close(),
  });
}
