/**
 * The one pixel-size authority of atomdyn: which stated pixel size a step uses, and where it came from.
 *
 * Precedence (docs/schema.md, "run.json"): the command line (`--pixel-size`) > the previous step's
 * run.json > the file's own metadata. A value taken from run.json keeps its origin ('file',
 * 'lattice', ...) so the chain still says where it first came from; only a command-line value of an
 * earlier step becomes 'run.json' (it was given to that step, not to this one). Whether a stated
 * value is replaced by a lattice-derived one is decided by locate alone (inference/calibrationCheck.ts),
 * which starts from this function's answer.
 */
import { inheritSourced, unknown, type Sourced } from './runMetadata.ts';

/** The candidates of {@link resolvePixelSize}; each may be absent. */
export interface PixelSizeSources {
  /** `--pixel-size`, pm/px. */
  commandLinePm?: number | null;
  /** The previous step's run.json value. */
  runJson?: Sourced<number> | null;
  /** The file's metadata value (reader calibration, LibraryNet scan size, ...). */
  file?: Sourced<number> | null;
}

/**
 * The pixel size a step uses, by precedence: command line > previous run.json > file.
 * @returns the value (pm/px) with its origin; `{ value: null, origin: 'none' }` when none is known
 * @throws Error (a programming error, not user input) when the command-line value is not a positive number
 */
export function resolvePixelSize(src: PixelSizeSources): Sourced<number> {
  if (src.commandLinePm != null) {
    if (!(src.commandLinePm > 0) || !Number.isFinite(src.commandLinePm)) throw new Error(`pixel size must be a positive number, got ${src.commandLinePm}`);
    return { value: src.commandLinePm, origin: 'command-line' };
  }
  const fromRun = inheritSourced(src.runJson);
  if (fromRun.value !== null && fromRun.value > 0) return fromRun;
  if (src.file && src.file.value !== null && src.file.value > 0) return { ...src.file };
  return unknown<number>();
}
