/**
 * Calibration from a sidecar JSON file beside a file without metadata of its own (NumPy `.npy`):
 * `<folder>/<stem>.json` for `<folder>/<stem>.npy` (as in SciLink's MoS2 data).
 *
 * Rules, applied to the JSON object and, in this order, to its sub-objects `experimental_details`,
 * `experimental_details.spatial_info`, `spatial_info`, `calibration`, `metadata`; the first rule that
 * matches wins:
 * 1. `pixel_size_pm`: pixel size in pm.
 * 2. `pixel_size` with `pixel_size_units` (or `pixel_size_unit`, `units`): converted to pm.
 * 3. `field_of_view_x` (or `field_of_view`, `fov_x`, `fov`) with `field_of_view_units` (or `fov_units`,
 *    `units`): the field of view across the image columns, so pixel size = field of view / width.
 *    When `field_of_view_y` is given too and gives a different size per row, a warning says so.
 * A length without a unit is not used (reported as missing a unit), never guessed.
 * Frame time: `frame_time_s`, or `frame_time` with `frame_time_units` (or `time_units`).
 */
import { existsSync } from 'node:fs';
import { readTextInput } from '../regularFile.ts';
import path from 'node:path';
import { formatNumber, lengthToPm, timeToSeconds } from '../units.ts';
import type { Calibration, Sourced } from '../runMetadata.ts';

/** Calibration found in a sidecar, the sidecar's path (or null) and its parsed content. */
export interface SidecarResult {
  calibration: Calibration;
  sidecar: string | null;
  content: unknown;
  warnings: string[];
}

const SCOPES = [[], ['experimental_details'], ['experimental_details', 'spatial_info'], ['spatial_info'], ['calibration'], ['metadata']];

function at(obj: unknown, keys: string[]): Record<string, unknown> | null {
  let o: unknown = obj;
  for (const k of keys) {
    if (!o || typeof o !== 'object') return null;
    o = (o as Record<string, unknown>)[k];
  }
  return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function first(o: Record<string, unknown>, keys: string[]): { key: string; value: unknown } | null {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return { key: k, value: o[k] };
  return null;
}

/**
 * Look for `<stem>.json` beside `file` and apply the rules above.
 * @param width image columns (for field-of-view rules); @param height image rows
 */
export function sidecarCalibration(file: string, width: number, height: number): SidecarResult {
  const sidecar = path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.json`);
  const none = (pixelNote: string, timeNote = 'no frame time in the sidecar'): Calibration => ({
    pixelSizePm: { value: null, origin: 'none', note: pixelNote },
    frameTimeS: { value: null, origin: 'none', note: timeNote },
  });
  if (!existsSync(sidecar)) {
    return { calibration: none(`no calibration: the file has none and there is no sidecar ${path.basename(sidecar)}`, 'no frame time'), sidecar: null, content: null, warnings: [] };
  }
  let content: unknown;
  let text: string;
  try {
    text = readTextInput(sidecar, 'JSON sidecar', 16 * 2 ** 20);
  } catch (e) {
    return { calibration: none(`sidecar ${path.basename(sidecar)} cannot be read`), sidecar, content: null, warnings: [`sidecar ${(e as Error).message}; no calibration read from it`] };
  }
  try {
    content = JSON.parse(text);
  } catch (e) {
    return {
      calibration: none(`sidecar ${path.basename(sidecar)} is not valid JSON`),
      sidecar,
      content: null,
      warnings: [`sidecar ${sidecar} is not valid JSON (${(e as Error).message}); no calibration read from it`],
    };
  }
  const name = path.basename(sidecar);
  const warnings: string[] = [];
  let pixel: Sourced<number> | null = null;
  let missingUnit: string | null = null;
  for (const scope of SCOPES) {
    const o = at(content, scope);
    if (!o) continue;
    const where = scope.length ? `${scope.join('.')}.` : '';
    const pm = num(o.pixel_size_pm);
    if (pm !== null && pm > 0) {
      pixel = { value: pm, origin: 'file', note: `sidecar ${name}: ${where}pixel_size_pm` };
      break;
    }
    const ps = num(o.pixel_size);
    if (ps !== null) {
      const u = first(o, ['pixel_size_units', 'pixel_size_unit', 'units']);
      const v = typeof u?.value === 'string' ? lengthToPm(ps, u.value) : null;
      if (v !== null) {
        pixel = { value: v, origin: 'file', note: `sidecar ${name}: ${where}pixel_size ${formatNumber(ps)} ${u!.value}` };
        break;
      }
      missingUnit ??= `${where}pixel_size has no length unit`;
    }
    const fov = first(o, ['field_of_view_x', 'field_of_view', 'fov_x', 'fov']);
    const fovN = fov ? num(fov.value) : null;
    if (fov && fovN !== null) {
      const u = first(o, ['field_of_view_units', 'fov_units', 'units']);
      const pmFov = typeof u?.value === 'string' ? lengthToPm(fovN, u.value) : null;
      if (pmFov !== null) {
        const value = pmFov / width;
        pixel = {
          value,
          origin: 'file',
          note: `sidecar ${name}: ${where}${fov.key} ${formatNumber(fovN)} ${u!.value} / ${width} px`,
        };
        const fy = num(o.field_of_view_y ?? o.fov_y);
        if (fy !== null && typeof u?.value === 'string') {
          const pmY = lengthToPm(fy, u.value);
          if (pmY !== null && Math.abs(pmY / height - value) > 1e-3 * value) {
            warnings.push(
              `sidecar ${name}: field of view ${formatNumber(fovN)} x ${formatNumber(fy)} ${u.value} over ${width} x ${height} px gives non-square pixels; using ${formatNumber(value)} pm/px (columns)`,
            );
          }
        }
        break;
      }
      missingUnit ??= `${where}${fov.key} has no length unit`;
    }
  }
  let frame: Sourced<number> | null = null;
  for (const scope of SCOPES) {
    const o = at(content, scope);
    if (!o) continue;
    const where = scope.length ? `${scope.join('.')}.` : '';
    const s = num(o.frame_time_s);
    if (s !== null && s > 0) {
      frame = { value: s, origin: 'file', note: `sidecar ${name}: ${where}frame_time_s` };
      break;
    }
    const t = num(o.frame_time);
    const u = first(o, ['frame_time_units', 'time_units']);
    if (t !== null && typeof u?.value === 'string') {
      const v = timeToSeconds(t, u.value);
      if (v !== null) {
        frame = { value: v, origin: 'file', note: `sidecar ${name}: ${where}frame_time ${formatNumber(t)} ${u.value}` };
        break;
      }
    }
  }
  if (!pixel && missingUnit) warnings.push(`sidecar ${name}: ${missingUnit}; pixel size not used`);
  return {
    calibration: {
      pixelSizePm: pixel ?? { value: null, origin: 'none', note: missingUnit ? `sidecar ${name}: ${missingUnit}` : `sidecar ${name} has no pixel size or field of view` },
      frameTimeS: frame ?? { value: null, origin: 'none', note: `sidecar ${name} has no frame time` },
    },
    sidecar,
    content,
    warnings,
  };
}
