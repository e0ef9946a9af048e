/**
 * Calibration and metadata of TIFF files from the tags atomdyn knows:
 *
 * - **ImageJ** (ImageDescription starting `ImageJ=`): `key=value` lines; `images`, `channels`,
 *   `slices`, `frames`; `unit` (`nm`, `micron`, `\u00B5m`, `A`, ...) with XResolution in pixels per
 *   unit giving the pixel size; `finterval` (+ `tunit`, default seconds) giving the frame time.
 *   ImageJ's "Info" property (IJMetadata tag 50839, type `info`) may hold more `key=value` lines.
 * - **Nion Swift** (a `nion.N=` line holding JSON in the ImageJ description or info): the last
 *   entry of `spatial_calibrations` (`scale`, `units`) is the pixel size of the image columns; the
 *   frame time is the first (sequence) axis when its units are a time, else the scan's
 *   `properties.line_time_us` x image height (time between the starts of consecutive frames, flyback
 *   included), noted beside `properties.exposure` (pixel time x pixels, which excludes flyback).
 * - **Thermo Fisher / FEI** (tags 34680/34682, INI text): `[Scan] PixelWidth` in metres, and
 *   `FrameTime` in seconds.
 * - Anything else: baseline XResolution/ResolutionUnit is a print resolution (dots per inch/cm), not
 *   a specimen scale, and is ignored; the pixel size is unknown.
 *
 * Rules when sources disagree: for the pixel size the instrument's own value (Nion, FEI) wins over
 * ImageJ's, and the disagreement becomes a warning; for the frame time an explicit ImageJ `finterval`
 * wins over Nion's, then FEI's (a disagreement with Nion is noted).
 */
import { lengthToPm, timeToSeconds, formatNumber, normaliseUnit } from '../units.ts';
import type { Calibration, Sourced } from '../runMetadata.ts';
import { TAG, tagNumber, tagString, type Ifd } from './tiffDirectory.ts';

/** What the first directory's text tags say about the stack. */
export interface TiffMetadata {
  /** Parsed ImageJ `key=value` pairs (description and info), or null when not an ImageJ file. */
  imagej: Record<string, string> | null;
  /** Parsed Nion Swift JSON (first `nion.*` key), or null. */
  nion: Record<string, unknown> | null;
  /** Parsed FEI/Thermo Fisher INI sections, or null. */
  fei: Record<string, Record<string, string>> | null;
  /** Raw ImageDescription (first page). */
  description: string | undefined;
  software: string | undefined;
}

/** Parse `key=value` lines (ImageJ description or info). Later keys do not overwrite earlier ones. */
export function parseKeyValueLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const k = line.slice(0, eq).trim();
    if (!(k in out)) out[k] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Decode ImageJ's IJMetadata tag: a header `IJIJ` + (type, count) pairs, then UTF-16 strings.
 * Returns the `info` string when present (ImageJ's image Info property), else undefined.
 */
export function imagejInfo(ifd: Ifd, littleEndian: boolean): string | undefined {
  const counts = ifd.tags.get(TAG.IJMetadataByteCounts);
  const data = ifd.tags.get(TAG.IJMetadata);
  if (!Array.isArray(counts) || !(data instanceof Uint8Array || Array.isArray(data))) return undefined;
  const bytes = data instanceof Uint8Array ? data : Uint8Array.from(data);
  if (counts.length < 2) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = counts[0];
  if (header < 4 || header > buf.length) return undefined;
  const magic = buf.toString('latin1', 0, 4);
  const le = magic === 'JIJI' ? true : magic === 'IJIJ' ? false : littleEndian;
  const entries: Array<{ type: string; count: number }> = [];
  for (let p = 4; p + 8 <= header; p += 8) {
    const type = buf.toString('latin1', p, p + 4);
    const count = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
    entries.push({ type: le ? type.split('').reverse().join('') : type, count });
  }
  let idx = 1;
  let pos = header;
  for (const e of entries) {
    for (let k = 0; k < e.count; k++) {
      const len = counts[idx++] ?? 0;
      if (e.type === 'info') {
        const s = buf.subarray(pos, pos + len);
        const chars: number[] = [];
        for (let i = 0; i + 1 < s.length; i += 2) chars.push(le ? s.readUInt16LE(i) : s.readUInt16BE(i));
        return String.fromCharCode(...chars);
      }
      pos += len;
    }
  }
  return undefined;
}

function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      section = m[1];
      out[section] ??= {};
    } else if (line.includes('=')) {
      const eq = line.indexOf('=');
      (out[section] ??= {})[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
  }
  return out;
}

/** Gather the text metadata of the first directory. */
export function readTiffMetadata(ifd: Ifd, littleEndian: boolean): TiffMetadata {
  const description = tagString(ifd, TAG.ImageDescription);
  const software = tagString(ifd, TAG.Software);
  let imagej: Record<string, string> | null = null;
  let nion: Record<string, unknown> | null = null;
  if (description?.startsWith('ImageJ=')) {
    imagej = parseKeyValueLines(description);
    const info = imagejInfo(ifd, littleEndian);
    if (info) for (const [k, v] of Object.entries(parseKeyValueLines(info))) if (!(k in imagej)) imagej[k] = v;
  }
  const kv = imagej ?? (description ? parseKeyValueLines(description) : {});
  for (const [k, v] of Object.entries(kv)) {
    if (/^nion(\.\d+)?$/.test(k) && v.startsWith('{')) {
      try {
        nion = JSON.parse(v) as Record<string, unknown>;
        break;
      } catch {
        /* not JSON: ignore */
      }
    }
  }
  let fei: Record<string, Record<string, string>> | null = null;
  const feiText = tagString(ifd, TAG.FEI_HELIOS) ?? tagString(ifd, TAG.FEI_SFEG);
  if (feiText && feiText.includes('[')) fei = parseIni(feiText);
  return { imagej, nion, fei, description, software };
}

interface Candidate {
  value: number;
  note: string;
}

function nionPixel(nion: Record<string, unknown>): Candidate | null {
  const cals = nion.spatial_calibrations;
  if (!Array.isArray(cals) || cals.length < 2) return null;
  const x = cals[cals.length - 1] as { scale?: number; units?: string };
  const y = cals[cals.length - 2] as { scale?: number; units?: string };
  if (typeof x?.scale !== 'number' || typeof x.units !== 'string') return null;
  const pm = lengthToPm(x.scale, x.units);
  if (pm === null) return null;
  let note = `Nion metadata spatial_calibrations: ${formatNumber(x.scale)} ${x.units}/px`;
  if (typeof y?.scale === 'number' && typeof y.units === 'string') {
    const pmY = lengthToPm(y.scale, y.units);
    if (pmY !== null && Math.abs(pmY - pm) > 1e-6 * pm) note += ` (rows: ${formatNumber(pmY)} pm/px; non-square pixels, x used)`;
  }
  return { value: pm, note };
}

function nionFrameTime(nion: Record<string, unknown>, height: number): Candidate | null {
  const cals = nion.spatial_calibrations;
  if (nion.is_sequence && Array.isArray(cals) && cals.length >= 3) {
    const t = cals[0] as { scale?: number; units?: string };
    if (typeof t?.scale === 'number' && typeof t.units === 'string') {
      const s = timeToSeconds(t.scale, t.units);
      if (s !== null) return { value: s, note: `Nion metadata sequence axis: ${formatNumber(t.scale)} ${t.units}/frame` };
    }
  }
  const p = nion.properties as Record<string, unknown> | undefined;
  const line = p?.line_time_us;
  if (typeof line === 'number' && line > 0) {
    const frame = (line * height) / 1e6;
    const exposure = typeof p?.exposure === 'number' ? `; properties.exposure = ${formatNumber(p.exposure as number, 4)} s excludes flyback` : '';
    return {
      value: frame,
      note: `Nion metadata properties.line_time_us ${formatNumber(line, 6)} us x ${height} lines${exposure}`,
    };
  }
  return null;
}

/**
 * Pixel size and frame time of a TIFF stack from its first directory, with where each came from.
 * @param height image rows (for line-time based frame times)
 * @returns calibration plus warnings for the user
 */
export function tiffCalibration(ifd: Ifd, meta: TiffMetadata, height: number): { calibration: Calibration; warnings: string[] } {
  const warnings: string[] = [];
  let pixel: Sourced<number> = { value: null, origin: 'none' };
  let frame: Sourced<number> = { value: null, origin: 'none' };

  // ImageJ: XResolution is pixels per `unit`.
  let ij: Candidate | null = null;
  if (meta.imagej) {
    const unit = meta.imagej.unit ?? '';
    const xres = tagNumber(ifd, TAG.XResolution, NaN);
    const yres = tagNumber(ifd, TAG.YResolution, NaN);
    if (unit && !/^(pixel|pixels|px)$/i.test(unit) && Number.isFinite(xres) && xres > 0) {
      const pm = lengthToPm(1 / xres, unit);
      if (pm !== null) {
        ij = { value: pm, note: `ImageJ XResolution ${formatNumber(xres)} px/${normaliseUnit(unit)}` };
        if (Number.isFinite(yres) && yres > 0 && Math.abs(yres - xres) > 1e-6 * xres) {
          ij.note += ` (YResolution ${formatNumber(yres)} px/${normaliseUnit(unit)}; non-square pixels, x used)`;
        }
      } else warnings.push(`ImageJ unit '${unit}' is not a length atomdyn knows; pixel size ignored`);
    }
  }
  const nion = meta.nion ? nionPixel(meta.nion) : null;
  let fei: Candidate | null = null;
  const feiScan = meta.fei?.Scan ?? meta.fei?.EScan;
  if (feiScan?.PixelWidth) {
    const pm = lengthToPm(Number(feiScan.PixelWidth), 'm');
    if (pm !== null) fei = { value: pm, note: `FEI/Thermo Fisher metadata [Scan] PixelWidth ${feiScan.PixelWidth} m` };
  }
  const instrument = nion ?? fei;
  if (instrument) {
    pixel = { value: instrument.value, origin: 'file', note: instrument.note };
    if (ij) {
      if (Math.abs(ij.value - instrument.value) <= 1e-4 * instrument.value) pixel.note += `; ${ij.note} agrees`;
      else {
        const w = `pixel size: ${instrument.note} gives ${formatNumber(instrument.value)} pm/px but ${ij.note} gives ${formatNumber(ij.value)} pm/px; using the instrument's value`;
        warnings.push(w);
        pixel.note += `; disagrees with ${ij.note} (${formatNumber(ij.value)} pm/px)`;
      }
    }
  } else if (ij) {
    pixel = { value: ij.value, origin: 'file', note: ij.note };
  } else {
    const unit = tagNumber(ifd, TAG.ResolutionUnit, 2);
    const note = meta.imagej
      ? 'ImageJ file without a length unit'
      : ifd.tags.has(TAG.XResolution)
        ? `no specimen calibration in the file (XResolution with ResolutionUnit ${unit === 3 ? 'cm' : unit === 2 ? 'inch' : 'none'} is a print resolution, ignored)`
        : 'no calibration in the file';
    pixel = { value: null, origin: 'none', note };
  }

  // Frame time.
  const nionT = meta.nion ? nionFrameTime(meta.nion, height) : null;
  let ijT: Candidate | null = null;
  if (meta.imagej?.finterval) {
    const tunit = meta.imagej.tunit ?? 'sec';
    const s = timeToSeconds(Number(meta.imagej.finterval), tunit);
    if (s !== null) ijT = { value: s, note: `ImageJ finterval ${meta.imagej.finterval} ${tunit}` };
  }
  let feiT: Candidate | null = null;
  if (feiScan?.FrameTime) {
    const s = timeToSeconds(Number(feiScan.FrameTime), 's');
    if (s !== null) feiT = { value: s, note: `FEI/Thermo Fisher metadata [Scan] FrameTime ${feiScan.FrameTime} s` };
  }
  const t = ijT ?? nionT ?? feiT;
  if (t) frame = { value: t.value, origin: 'file', note: t.note };
  if (ijT && nionT && Math.abs(ijT.value - nionT.value) > 1e-3 * nionT.value) {
    frame.note += `; ${nionT.note} gives ${formatNumber(nionT.value, 4)} s`;
  }
  if (!t) frame = { value: null, origin: 'none', note: 'no frame time in the file' };
  return { calibration: { pixelSizePm: pixel, frameTimeS: frame }, warnings };
}
