/**
 * Calibration rules for the HDF5 layouts atomdyn recognises. Each rule says where the pixel size and
 * frame time come from, and when a value is missing or not trusted:
 *
 * | layout | image | pixel size | frame time |
 * | --- | --- | --- | --- |
 * | Velox EMD (Thermo Fisher) | `Data/Image/<id>/Data`, `(height, width, frames)` | `BinaryResult.PixelSize.width` + `PixelUnitX` in the JSON stored as a uint8 array in `Data/Image/<id>/Metadata` (column of frame 0) | `Scan.FrameTime` (s) |
 * | HyperSpy `.hspy` | `Experiments/<name>/data` | the signal axis of the columns (`axis-i` group attributes `scale`, `units`, `navigate` false) | the navigation axis when its units are a time |
 * | pycroscopy NSID | dataset with `main_data_name`/`pyNSID_version`/`data_type` attributes; each axis a dataset named by the HDF5 dimension label with `dimension_type`, `units` | spacing of the column axis's values (SPATIAL) | spacing of a TEMPORAL axis |
 * | AICrystallographer (AtomNet) | root `image_data` + `metadata` JSON string | top-level `scan size` = field of view in **nm** / width; cross-checked against the embedded DigitalMicrograph tags (`all microscope parameters`): when those describe a different image size or scan size, they were copied from another acquisition, are ignored, and a warning says so | none (single images) |
 * | AICrystallographer LibraryNet | root `nn_input` `(1, h, w, 1)` with attributes `metadata` (JSON) and `scan size` | `scan size` = field of view in **pm** / width (the embedded tags describe the uncropped source acquisition and are not used) | none |
 * | any other dataset | `--dataset PATH` or the only 2-D/3-D numeric dataset | unknown (no rule) | unknown |
 *
 * For the AICrystallographer layouts a pixel size outside 1-500 pm/px is rejected as implausible for
 * atomic-resolution images (its unit is then uncertain) rather than used.
 *
 * How G-Si-2nm.hdf5 was decided: its `scan size` is "2" (nm) but its embedded tags are those of
 * "3D Stack MADF 6 nm 8us GB" (512 x 512 x 50, ScanSize 6 nm), while the image is 256 x 256. The
 * graphene lattice in the image (first-order spacing 213 pm at ~27 px in its power spectrum) gives
 * ~7.8 pm/px, which matches 2 nm / 256 px = 7.8125 pm/px and not 6 nm; hence the rule above: the
 * top-level `scan size` is the per-file value, the embedded tags only a cross-check.
 */
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { formatNumber, isTimeUnit, lengthToPm, timeToSeconds } from '../units.ts';
import type { Calibration, Sourced } from '../runMetadata.ts';

/** What a layout rule decides about one dataset. */
export interface LayoutInfo {
  /** FrameStack.format: 'velox-emd', 'hspy', 'nsid' or 'hdf5'. */
  format: string;
  /** Human name of the layout, e.g. 'Velox EMD'. */
  layout: string;
  /** Axis indices in the dataset: frames (-1 for a single image), rows, columns. */
  frameAxis: number;
  rowAxis: number;
  colAxis: number;
  calibration: Calibration;
  summary: Record<string, string>;
  warnings: string[];
  original: unknown;
  /** Set when the file's own metadata contradicts the dataset's shape (a corrupt shape): the reader refuses it. */
  shapeProblem?: string;
}

const none = (note: string): Sourced<number> => ({ value: null, origin: 'none', note });

/** Scalar value of an attribute (first element of arrays; bigint -> number), or undefined. */
export function attr(obj: Dataset | Group, name: string): unknown {
  try {
    const a = obj.attrs[name];
    if (!a) return undefined;
    let v: unknown = a.value;
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) v = (v as unknown as ArrayLike<unknown>).length === 1 ? (v as unknown as ArrayLike<unknown>)[0] : Array.from(v as unknown as ArrayLike<unknown>);
    if (Array.isArray(v) && v.length === 1) v = v[0];
    if (typeof v === 'bigint') v = Number(v);
    return v;
  } catch {
    return undefined;
  }
}

/** All attributes of an object as plain values (strings, numbers, arrays), for metadata. */
export function allAttrs(obj: Dataset | Group): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let names: string[] = [];
  try {
    names = Object.keys(obj.attrs);
  } catch {
    return out;
  }
  for (const n of names) {
    const v = attr(obj, n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function parseJson(s: unknown): Record<string, unknown> | null {
  if (typeof s !== 'string') return null;
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function plausible(pm: number): boolean {
  return pm >= 1 && pm <= 500;
}

// ---------------------------------------------------------------- Velox EMD

/** Velox EMD: `Data/Image/<id>/Data` (h, w, frames) with JSON metadata bytes in `.../Metadata`. */
export function veloxLayout(f: H5File, dataPath: string, shape: number[]): LayoutInfo {
  const group = dataPath.replace(/\/Data$/, '');
  let meta: Record<string, unknown> | null = null;
  const warnings: string[] = [];
  const md = f.get(`${group}/Metadata`) as Dataset | null;
  if (md && md.shape && md.shape.length >= 1) {
    try {
      const rows = md.shape[0];
      const ranges: Array<[number, number]> = md.shape.length === 2 ? [[0, rows], [0, 1]] : [[0, rows]];
      const bytes = md.slice(ranges) as Uint8Array;
      const end = bytes.indexOf(0);
      meta = parseJson(Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString('utf8'));
    } catch {
      meta = null;
    }
  }
  if (!meta) warnings.push(`Velox metadata in ${group}/Metadata is missing or not JSON`);
  const br = (meta?.BinaryResult ?? {}) as Record<string, unknown>;
  const scan = (meta?.Scan ?? {}) as Record<string, unknown>;
  const optics = (meta?.Optics ?? {}) as Record<string, unknown>;
  const ps = (br.PixelSize ?? {}) as Record<string, unknown>;
  let pixel: Sourced<number> = none('no BinaryResult.PixelSize in the Velox metadata');
  const w = num(ps.width);
  const unit = typeof br.PixelUnitX === 'string' ? br.PixelUnitX : '';
  if (w !== null) {
    const pm = lengthToPm(w, unit);
    pixel = pm !== null ? { value: pm, origin: 'file', note: `Velox metadata BinaryResult.PixelSize.width ${w} ${unit}` } : none(`Velox pixel size ${w} has unknown unit '${unit}'`);
    const h = num(ps.height);
    if (pm !== null && h !== null) {
      const pmY = lengthToPm(h, typeof br.PixelUnitY === 'string' ? br.PixelUnitY : unit);
      if (pmY !== null && Math.abs(pmY - pm) > 1e-6 * pm) pixel.note += ` (rows ${formatNumber(pmY)} pm; non-square pixels, x used)`;
    }
  }
  const ft = num(scan.FrameTime);
  const frame: Sourced<number> =
    ft !== null && ft > 0 ? { value: ft, origin: 'file', note: `Velox metadata Scan.FrameTime ${formatNumber(ft)} s` } : none('no Scan.FrameTime in the Velox metadata');
  const summary: Record<string, string> = {};
  if (typeof br.Detector === 'string') summary.detector = br.Detector;
  const kv = num(optics.AccelerationVoltage);
  if (kv !== null) summary['acceleration voltage'] = `${formatNumber(kv / 1000)} kV`;
  const instr = (meta?.Instrument ?? {}) as Record<string, unknown>;
  if (typeof instr.InstrumentModel === 'string') summary.instrument = `${instr.Manufacturer ?? ''} ${instr.InstrumentModel}`.trim();
  const dwell = num(scan.DwellTime);
  if (dwell !== null) summary['dwell time'] = `${formatNumber(dwell * 1e6, 4)} us`;
  const acq = (meta?.Acquisition as Record<string, unknown> | undefined)?.AcquisitionStartDatetime as Record<string, unknown> | undefined;
  const epoch = num(acq?.DateTime);
  if (epoch) summary.acquired = new Date(epoch * 1000).toISOString();
  // The shape against the file's own description: one metadata column per frame, ScanSize = width x height.
  let shapeProblem: string | undefined;
  const frames = shape.length === 3 ? shape[2] : 1;
  const metaFrames = md?.shape && md.shape.length === 2 ? md.shape[1] : md?.shape ? 1 : null;
  if (meta && metaFrames !== null && metaFrames !== frames) {
    shapeProblem = `the dataset claims ${frames} frame${frames === 1 ? '' : 's'} but the Velox metadata describes ${metaFrames}`;
  }
  const size = (scan.ScanSize ?? {}) as Record<string, unknown>;
  const sw = num(size.width);
  const sh = num(size.height);
  const area = (scan.ScanArea ?? {}) as Record<string, unknown>;
  const fullArea = num(area.left) === 0 && num(area.top) === 0 && num(area.right) === 1 && num(area.bottom) === 1;
  if (!shapeProblem && fullArea && sw !== null && sh !== null && (sw !== shape[1] || sh !== shape[0])) {
    shapeProblem = `the dataset's frames are ${shape[1]} x ${shape[0]} pixels but the Velox metadata states a full scan of ${sw} x ${sh}`;
  }
  return {
    shapeProblem,
    format: 'velox-emd',
    layout: 'Velox EMD',
    frameAxis: shape.length === 3 && shape[2] > 1 ? 2 : -1,
    rowAxis: 0,
    colAxis: 1,
    calibration: { pixelSizePm: pixel, frameTimeS: frame },
    summary,
    warnings,
    original: meta,
  };
}

// ---------------------------------------------------------------- HyperSpy

/** HyperSpy: `Experiments/<name>/data` with `axis-i` groups. Returns null when the axes do not fit the shape. */
export function hspyLayout(f: H5File, dataPath: string, shape: number[]): LayoutInfo | null {
  const group = dataPath.replace(/\/data$/, '');
  const axes: Array<{ i: number; size: number; scale: number | null; units: string; name: string; navigate: boolean }> = [];
  for (let i = 0; i < shape.length; i++) {
    const g = f.get(`${group}/axis-${i}`) as Group | null;
    if (!g) return null;
    const size = num(attr(g, 'size')) ?? shape[i];
    if (size !== shape[i]) return null;
    const nav = attr(g, 'navigate');
    axes.push({
      i,
      size,
      scale: num(attr(g, 'scale')),
      units: typeof attr(g, 'units') === 'string' ? (attr(g, 'units') as string) : '',
      name: typeof attr(g, 'name') === 'string' ? (attr(g, 'name') as string) : `axis-${i}`,
      navigate: nav === true || nav === 1 || nav === 'True' || nav === 'true',
    });
  }
  const big = axes.filter((a) => a.size > 1);
  const signal = big.filter((a) => !a.navigate);
  const nav = big.filter((a) => a.navigate);
  if (signal.length !== 2 || nav.length > 1) return null;
  const [rowAx, colAx] = signal;
  const warnings: string[] = [];
  let pixel: Sourced<number> = none(`HyperSpy axis '${colAx.name}' has no length unit`);
  if (colAx.scale !== null) {
    const pm = lengthToPm(colAx.scale, colAx.units);
    if (pm !== null) {
      pixel = { value: pm, origin: 'file', note: `HyperSpy axis '${colAx.name}' (axis-${colAx.i}) scale ${formatNumber(colAx.scale)} ${colAx.units}` };
      const pmY = rowAx.scale !== null ? lengthToPm(rowAx.scale, rowAx.units) : null;
      if (pmY !== null && Math.abs(pmY - pm) > 1e-6 * pm) pixel.note += ` (rows ${formatNumber(pmY)} pm; non-square pixels, x used)`;
    } else if (colAx.units && colAx.units !== '<undefined>') warnings.push(`HyperSpy axis '${colAx.name}' unit '${colAx.units}' is not a length; pixel size unknown`);
  }
  let frame: Sourced<number> = none('no time axis');
  if (nav[0]) {
    const t = nav[0];
    const s = t.scale !== null && isTimeUnit(t.units) ? timeToSeconds(t.scale, t.units) : null;
    frame = s !== null ? { value: s, origin: 'file', note: `HyperSpy axis '${t.name}' (axis-${t.i}) scale ${formatNumber(t.scale!)} ${t.units}` } : none(`navigation axis '${t.name}' has no time unit`);
  }
  const md = (name: string): Record<string, unknown> => {
    const g = f.get(`${group}/metadata/${name}`) as Group | null;
    return g ? allAttrs(g) : {};
  };
  const general = md('General');
  const tem = md('Acquisition_instrument/TEM');
  const summary: Record<string, string> = {};
  if (typeof general.title === 'string') summary.title = general.title;
  if (typeof general.original_filename === 'string') summary['original file'] = general.original_filename;
  if (typeof tem.microscope === 'string') summary.instrument = tem.microscope;
  if (typeof tem.beam_energy === 'number') summary['beam energy'] = `${formatNumber(tem.beam_energy)} keV`;
  if (typeof general.date === 'string') summary.acquired = `${general.date}${typeof general.time === 'string' ? ` ${general.time}` : ''}`;
  return {
    format: 'hspy',
    layout: 'HyperSpy',
    frameAxis: nav[0]?.i ?? -1,
    rowAxis: rowAx.i,
    colAxis: colAx.i,
    calibration: { pixelSizePm: pixel, frameTimeS: frame },
    summary,
    warnings,
    original: { axes, general, instrument: tem },
  };
}

// ---------------------------------------------------------------- NSID

/** True when a dataset carries NSID main-dataset attributes. */
export function isNsidMain(ds: Dataset): boolean {
  try {
    const names = Object.keys(ds.attrs);
    return names.includes('pyNSID_version') || (names.includes('main_data_name') && names.includes('data_type'));
  } catch {
    return false;
  }
}

/** pycroscopy NSID: axes are sibling datasets named by the dimension labels. Null when they cannot be resolved. */
export function nsidLayout(f: H5File, dataPath: string, shape: number[]): LayoutInfo | null {
  const ds = f.get(dataPath) as Dataset;
  const parent = dataPath.includes('/') ? dataPath.slice(0, dataPath.lastIndexOf('/')) : '';
  let labels: Array<string | null> = [];
  try {
    labels = ds.get_dimension_labels();
  } catch {
    labels = [];
  }
  const dims: Array<{ i: number; name: string; type: string; units: string; step: number | null }> = [];
  for (let i = 0; i < shape.length; i++) {
    let scalePath: string | null = null;
    try {
      const attached = ds.get_attached_scales(i);
      if (attached.length) scalePath = attached[0];
    } catch {
      /* no scales */
    }
    const label = labels[i];
    if (!scalePath && label) scalePath = parent ? `${parent}/${label}` : label;
    const sd = scalePath ? (f.get(scalePath) as Dataset | null) : null;
    if (!sd || (sd as unknown as { type?: string }).type !== 'Dataset') return null;
    let step: number | null = null;
    try {
      const v = sd.slice([[0, 2]]) as ArrayLike<number>;
      if (v && v.length >= 2) step = Number(v[1]) - Number(v[0]);
    } catch {
      step = null;
    }
    const t = attr(sd, 'dimension_type');
    dims.push({
      i,
      name: typeof attr(sd, 'name') === 'string' ? (attr(sd, 'name') as string) : (label ?? `dim ${i}`),
      type: typeof t === 'string' ? t.toUpperCase() : 'UNKNOWN',
      units: typeof attr(sd, 'units') === 'string' ? (attr(sd, 'units') as string) : '',
      step,
    });
  }
  const big = dims.filter((d) => shape[d.i] > 1);
  const spatial = big.filter((d) => d.type === 'SPATIAL');
  const other = big.filter((d) => d.type !== 'SPATIAL');
  if (spatial.length !== 2 || other.length > 1) return null;
  const [rowD, colD] = spatial;
  let pixel: Sourced<number> = none(`NSID axis '${colD.name}' has no length unit`);
  if (colD.step !== null) {
    const pm = lengthToPm(Math.abs(colD.step), colD.units);
    if (pm !== null) pixel = { value: pm, origin: 'file', note: `NSID axis '${colD.name}' spacing ${formatNumber(Math.abs(colD.step))} ${colD.units}` };
  }
  let frame: Sourced<number> = none('no TEMPORAL axis');
  if (other[0]) {
    const t = other[0];
    const s = t.step !== null && t.type === 'TEMPORAL' ? timeToSeconds(Math.abs(t.step), t.units) : null;
    frame = s !== null ? { value: s, origin: 'file', note: `NSID axis '${t.name}' spacing ${formatNumber(Math.abs(t.step!))} ${t.units}` } : none(`NSID axis '${t.name}' (${t.type}) has no time spacing`);
  }
  const a = allAttrs(ds);
  const summary: Record<string, string> = {};
  for (const k of ['quantity', 'units', 'data_type', 'modality', 'source', 'main_data_name']) if (typeof a[k] === 'string' && a[k]) summary[k.replace(/_/g, ' ')] = a[k] as string;
  return {
    format: 'nsid',
    layout: 'pycroscopy NSID',
    frameAxis: other[0]?.i ?? -1,
    rowAxis: rowD.i,
    colAxis: colD.i,
    calibration: { pixelSizePm: pixel, frameTimeS: frame },
    summary,
    warnings: [],
    original: { attributes: a, dimensions: dims },
  };
}

// ---------------------------------------------------------------- AICrystallographer

interface EmbeddedImage {
  name: string;
  dims: number[];
  scanSizeNm: number | null;
  scaleNm: number | null;
}

/** The largest image described in the flattened DigitalMicrograph tags (`root.ImageList.N.ImageData...`). */
function embeddedImage(params: unknown): EmbeddedImage | null {
  if (!params || typeof params !== 'object') return null;
  const p = params as Record<string, unknown>;
  let best: EmbeddedImage | null = null;
  for (let n = 0; n < 16; n++) {
    const pre = `root.ImageList.${n}.`;
    const d0 = num(p[`${pre}ImageData.Dimensions.0`]);
    if (d0 === null) continue;
    const dims = [0, 1, 2, 3].map((k) => num(p[`${pre}ImageData.Dimensions.${k}`])).filter((x): x is number => x !== null);
    const units = p[`${pre}ImageData.Calibrations.Dimension.0.Units`];
    const scale = num(p[`${pre}ImageData.Calibrations.Dimension.0.Scale`]);
    const img: EmbeddedImage = {
      name: typeof p[`${pre}Name`] === 'string' ? (p[`${pre}Name`] as string) : `ImageList ${n}`,
      dims,
      scanSizeNm: num(p[`${pre}ImageTags.SuperScan.ScanSize(nm)`]),
      scaleNm: units === 'nm' ? scale : null,
    };
    if (!best || dims[0] * (dims[1] ?? 1) > best.dims[0] * (best.dims[1] ?? 1)) best = img;
  }
  return best;
}

function describeEmbedded(e: EmbeddedImage): string {
  return `'${e.name}', ${e.dims.join(' x ')}${e.scanSizeNm !== null ? `, ScanSize ${formatNumber(e.scanSizeNm)} nm` : ''}`;
}

function aicSummary(meta: Record<string, unknown> | null): Record<string, string> {
  const s: Record<string, string> = {};
  if (!meta) return s;
  if (typeof meta['type of data'] === 'string') s['type of data'] = meta['type of data'] as string;
  if (typeof meta['sample name'] === 'string') s.sample = meta['sample name'] as string;
  const kv = num(meta['acc voltage']);
  if (kv !== null) s['acceleration voltage'] = `${formatNumber(kv)} kV`;
  return s;
}

/** AICrystallographer/AtomNet `image_data` + `metadata` (JSON string dataset). */
export function aicrystallographerLayout(f: H5File, dataPath: string, shape: number[], height: number, width: number): LayoutInfo {
  const mdDs = f.get('metadata') as Dataset | null;
  let raw: unknown;
  try {
    raw = mdDs && (mdDs as unknown as { type?: string }).type === 'Dataset' ? mdDs.value : undefined;
  } catch {
    raw = undefined;
  }
  if (Array.isArray(raw)) raw = raw[0];
  const meta = parseJson(raw);
  const warnings: string[] = [];
  let pixel: Sourced<number>;
  const scan = meta ? meta['scan size'] : undefined;
  const fov = num(scan);
  const embedded = embeddedImage(meta?.['all microscope parameters']);
  if (!meta) pixel = none('AICrystallographer metadata missing or not JSON');
  else if (fov === null || fov <= 0) pixel = none(`metadata 'scan size' is ${JSON.stringify(scan ?? null)}: no field of view`);
  else {
    const pm = (fov * 1000) / width;
    if (!plausible(pm)) {
      pixel = none(`metadata 'scan size' ${scan} read as nm gives ${formatNumber(pm)} pm/px, implausible for an atomic-resolution image; unit uncertain, not used`);
      warnings.push(pixel.note!);
    } else {
      let note = `metadata 'scan size' ${formatNumber(fov)} nm / ${width} px`;
      if (embedded) {
        const sameShape = embedded.dims[0] === width && (embedded.dims[1] ?? 1) === height;
        const sameScan = embedded.scanSizeNm === null || Math.abs(embedded.scanSizeNm - fov) <= 1e-3 * fov;
        if (sameShape && sameScan) note += `; agrees with the embedded DigitalMicrograph tags (${describeEmbedded(embedded)})`;
        else {
          note += `; not confirmed: the embedded microscope parameters describe another acquisition (${describeEmbedded(embedded)}) and were ignored`;
          warnings.push(
            `the embedded microscope parameters describe another acquisition (${describeEmbedded(embedded)}), not this ${width} x ${height} image; they are ignored and the pixel size rests on 'scan size' (${formatNumber(fov)} nm) alone`,
          );
        }
      }
      pixel = { value: pm, origin: 'file', note };
    }
  }
  const summary = aicSummary(meta);
  summary.layout = 'AICrystallographer (image_data + metadata)';
  if (embedded) summary['embedded DM image'] = describeEmbedded(embedded);
  const metaOut = meta ? { ...meta } : null;
  if (metaOut && typeof metaOut['all microscope parameters'] === 'object') {
    metaOut['all microscope parameters'] = `(${Object.keys(metaOut['all microscope parameters'] as object).length} DigitalMicrograph tags, left out)`;
  }
  return {
    format: 'hdf5',
    layout: 'AICrystallographer image_data',
    ...defaultAxes(shape),
    calibration: { pixelSizePm: pixel, frameTimeS: none('single image, no frame time') },
    summary,
    warnings,
    original: metaOut,
  };
}

/** AICrystallographer LibraryNet `nn_input` (1, h, w, 1) with `scan size` (pm) and `metadata` attributes. */
export function libraryNetLayout(f: H5File, dataPath: string, shape: number[], height: number, width: number): LayoutInfo {
  const ds = f.get(dataPath) as Dataset;
  const meta = parseJson(attr(ds, 'metadata'));
  const scanAttr = num(attr(ds, 'scan size'));
  const scan = scanAttr ?? num(meta?.['scan size']);
  const warnings: string[] = [];
  let pixel: Sourced<number>;
  if (scan === null || scan <= 0) pixel = none("no 'scan size' on nn_input");
  else {
    const pm = scan / width;
    if (!plausible(pm)) {
      pixel = none(`'scan size' ${scan} read as pm gives ${formatNumber(pm)} pm/px, implausible; not used`);
      warnings.push(pixel.note!);
    } else {
      pixel = {
        value: pm,
        origin: 'file',
        note: `LibraryNet 'scan size' ${formatNumber(scan)} pm / ${width} px${scanAttr !== null ? ' (nn_input attribute)' : ' (metadata)'}; embedded microscope parameters describe the uncropped source and are not used`,
      };
    }
  }
  const summary = aicSummary(meta);
  summary.layout = 'AICrystallographer LibraryNet (nn_input)';
  const defects: string[] = [];
  for (const k of f.keys().filter((k) => /^defect_coord_\d+$/.test(k)).sort()) {
    const d = f.get(k) as Dataset;
    const t = attr(d, 'defect type');
    defects.push(`${k}: ${typeof t === 'string' ? t : '?'} (${d.shape?.[0] ?? '?'} atoms)`);
  }
  if (defects.length) summary['defect complexes'] = defects.join('; ');
  const metaOut = meta ? { ...meta } : null;
  if (metaOut && typeof metaOut['all microscope parameters'] === 'object') {
    metaOut['all microscope parameters'] = `(${Object.keys(metaOut['all microscope parameters'] as object).length} DigitalMicrograph tags, left out)`;
  }
  return {
    format: 'hdf5',
    layout: 'AICrystallographer LibraryNet nn_input',
    ...defaultAxes(shape),
    calibration: { pixelSizePm: pixel, frameTimeS: none('single image, no frame time') },
    summary,
    warnings,
    original: { metadata: metaOut, 'scan size': scanAttr, defects },
  };
}

/** Axes of a plain array: size-1 axes dropped, then (frames,) rows, columns. */
export function defaultAxes(shape: number[]): { frameAxis: number; rowAxis: number; colAxis: number } {
  const big = shape.map((d, i) => ({ d, i })).filter((a) => a.d !== 1);
  if (big.length === 2) return { frameAxis: -1, rowAxis: big[0].i, colAxis: big[1].i };
  if (big.length === 3) return { frameAxis: big[0].i, rowAxis: big[1].i, colAxis: big[2].i };
  return { frameAxis: -1, rowAxis: 0, colAxis: Math.min(1, shape.length - 1) };
}

/** A dataset without a known layout. */
export function genericLayout(f: H5File, dataPath: string, shape: number[]): LayoutInfo {
  const ds = f.get(dataPath) as Dataset;
  return {
    format: 'hdf5',
    layout: 'HDF5 dataset',
    ...defaultAxes(shape),
    calibration: {
      pixelSizePm: none(`no calibration rule for dataset /${dataPath}; give the pixel size on the command line`),
      frameTimeS: none('no frame time'),
    },
    summary: {},
    warnings: [],
    original: { attributes: allAttrs(ds) },
  };
}
