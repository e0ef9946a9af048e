/**
 * Unit conversion for calibration values found in microscope files: lengths to picometres and
 * times to seconds. Unit strings are matched case-sensitively where case matters (`m` metre vs
 * `M`), after trimming and normalising the micro sign (U+00B5 and U+03BC) and the Ångström sign
 * (U+212B, U+00C5), and ImageJ's escaped `\u00B5`.
 */

/** Picometres per unit, keyed by normalised unit name. */
const LENGTH_PM: Record<string, number> = {
  pm: 1,
  picometer: 1,
  picometre: 1,
  A: 100,
  'Å': 100,
  angstrom: 100,
  Angstrom: 100,
  nm: 1e3,
  nanometer: 1e3,
  nanometre: 1e3,
  'µm': 1e6,
  um: 1e6,
  micron: 1e6,
  microns: 1e6,
  micrometer: 1e6,
  micrometre: 1e6,
  mm: 1e9,
  cm: 1e10,
  m: 1e12,
  meter: 1e12,
  metre: 1e12,
};

/** Seconds per unit, keyed by normalised unit name. */
const TIME_S: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  ms: 1e-3,
  msec: 1e-3,
  'µs': 1e-6,
  us: 1e-6,
  usec: 1e-6,
  ns: 1e-9,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
};

/** Normalise a unit string: trim, unify micro and Ångström signs, decode ImageJ's `\u00B5`. */
export function normaliseUnit(unit: string): string {
  return unit
    .trim()
    .replace(/\\u00[bB]5/g, 'µ')
    .replace(/\u03bc/g, 'µ')
    .replace(/[\u212b\u00c5]/g, 'Å');
}

/**
 * Convert a length to picometres.
 * @param value the number in `unit`
 * @param unit e.g. 'nm', 'Å', 'µm', 'um', 'micron', 'm', 'pm' (see LENGTH_PM)
 * @returns picometres, or null when the unit is empty, unknown or the value is not finite and positive
 */
export function lengthToPm(value: number, unit: string): number | null {
  const factor = LENGTH_PM[normaliseUnit(unit)];
  if (factor === undefined || !Number.isFinite(value) || value <= 0) return null;
  return value * factor;
}

/** True when `unit` is a length unit atomdyn can convert. */
export function isLengthUnit(unit: string): boolean {
  return LENGTH_PM[normaliseUnit(unit)] !== undefined;
}

/**
 * Convert a time to seconds.
 * @param value the number in `unit`
 * @param unit e.g. 's', 'ms', 'µs', 'us', 'min' (see TIME_S)
 * @returns seconds, or null when the unit is unknown or the value is not finite and positive
 */
export function timeToSeconds(value: number, unit: string): number | null {
  const factor = TIME_S[normaliseUnit(unit)];
  if (factor === undefined || !Number.isFinite(value) || value <= 0) return null;
  return value * factor;
}

/** True when `unit` is a time unit atomdyn can convert. */
export function isTimeUnit(unit: string): boolean {
  return TIME_S[normaliseUnit(unit)] !== undefined;
}

/** Format a number for people: up to `digits` significant digits, no trailing zeros. */
export function formatNumber(v: number, digits = 6): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e9) return String(Number(v.toPrecision(digits)));
  return v.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e');
}
