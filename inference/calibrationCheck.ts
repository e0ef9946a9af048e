/**
 * Which pixel size to use for a frame: the file's, the user's, or the one measured from the lattice.
 *
 * Precedence: `--pixel-size` (command line) > previous run.json > the file's value, which is checked
 * against the lattice spacing measured from the frame (inference/latticeSpacing.ts) and the model
 * card's lattice constant: when they disagree by more than `tolerance` (5 %), the user is told and the
 * measured value is used, unless `trustMetadata` is set. A frame with no calibration at all gets its
 * scale from the lattice. Example: ../shared/data/WSe2_movie/HAADF.tif states 31.25 pm/px, but its
 * first-order WSe2 spacing (284 pm) measures 7.6 px, i.e. about 37 pm/px.
 */
import type { Sourced } from '../data/runMetadata.ts';
import { resolvePixelSize } from '../data/pixelSize.ts';
import { measureLatticeSpacing } from './latticeSpacing.ts';
import { expectedSpacingPx, firstOrderSpacingPm, pixelSizeFromSpacing } from './latticeScale.ts';

/** The decision, with what was measured and what the user should be told. */
export interface PixelSizeDecision {
  /** The pixel size to use (pm/px) with its origin; value null only when nothing is known. */
  pixelSizePm: Sourced<number>;
  /** Pixel size implied by the lattice (pm/px), or null when no lattice was found. */
  measuredPm: number | null;
  /** Relative disagreement between the file's (or run.json's) value and the measured one. */
  disagreement: number | null;
  /** Messages for the user and run.json's warnings. */
  warnings: string[];
}

/** Inputs of {@link choosePixelSize}. */
export interface PixelSizeInputs {
  /** A representative frame (float32 `[height * width]`), e.g. the first one. */
  frame: Float32Array;
  height: number;
  width: number;
  /** Value from the command line (`--pixel-size`), pm/px. */
  commandLinePm?: number | null;
  /** Value from the previous step's run.json. */
  runJson?: Sourced<number> | null;
  /** Value from the file's metadata. */
  file?: Sourced<number> | null;
  /** Lattice constant of the model card (pm), e.g. 246 for graphene. */
  latticeConstantPm: number;
  /** Point group of the lattice ('6mm', '3m', '4mm'). */
  pointGroup: string;
  /** Keep the file's value even when the lattice disagrees (`--trust-metadata`). */
  trustMetadata?: boolean;
  /** Relative disagreement above which the measured value wins (default 0.05). */
  tolerance?: number;
}

/**
 * Decide the pixel size (see the module comment for the rules).
 */
export function choosePixelSize(inp: PixelSizeInputs): PixelSizeDecision {
  const warnings: string[] = [];
  const d100 = firstOrderSpacingPm(inp.latticeConstantPm, inp.pointGroup);
  const resolved = resolvePixelSize({ commandLinePm: inp.commandLinePm, runJson: inp.runJson, file: inp.file });
  if (resolved.origin === 'command-line') return { pixelSizePm: resolved, measuredPm: null, disagreement: null, warnings };
  const stated = resolved.value != null ? resolved : null;
  const prior = stated?.value != null ? expectedSpacingPx(inp.latticeConstantPm, inp.pointGroup, stated.value) : undefined;
  let m = measureLatticeSpacing(inp.frame, inp.height, inp.width, { expectedPx: prior, pointGroup: inp.pointGroup });
  if (!m && prior) m = measureLatticeSpacing(inp.frame, inp.height, inp.width, { pointGroup: inp.pointGroup }); // far off: search everything
  const measuredPm = m ? pixelSizeFromSpacing(m.spacingPx, inp.latticeConstantPm, inp.pointGroup) : null;
  if (!stated || stated.value == null) {
    if (measuredPm == null) {
      warnings.push('no pixel size in the file and no lattice found in the frame: give --pixel-size PM');
      return { pixelSizePm: { value: null, origin: 'none' }, measuredPm, disagreement: null, warnings };
    }
    warnings.push(`no pixel size in the file; using ${measuredPm.toFixed(2)} pm/px measured from the lattice (first-order spacing ${d100.toFixed(0)} pm = ${m!.spacingPx.toFixed(2)} px)`);
    return { pixelSizePm: { value: measuredPm, origin: 'lattice', note: `first-order spacing ${m!.spacingPx.toFixed(3)} px` }, measuredPm, disagreement: null, warnings };
  }
  const statedPm = stated.value;
  const shown = Number(statedPm.toPrecision(6)); // a TIFF rational 9.4999999905 is shown as 9.5
  if (measuredPm == null) {
    warnings.push(`could not measure the lattice spacing to check the stated ${shown} pm/px; using it as stated`);
    return { pixelSizePm: stated, measuredPm, disagreement: null, warnings };
  }
  const disagreement = statedPm / measuredPm - 1;
  const tol = inp.tolerance ?? 0.05;
  if (Math.abs(disagreement) <= tol) return { pixelSizePm: stated, measuredPm, disagreement, warnings };
  const where = stated.origin === 'run.json' ? 'run.json' : 'the file';
  if (inp.trustMetadata) {
    warnings.push(`${where} states ${shown} pm/px but the lattice measures ${measuredPm.toFixed(2)} pm/px (${(disagreement * 100).toFixed(1)} %); keeping the stated value (--trust-metadata)`);
    return { pixelSizePm: stated, measuredPm, disagreement, warnings };
  }
  warnings.push(`${where} states ${shown} pm/px but the lattice measures ${measuredPm.toFixed(2)} pm/px (${(disagreement * 100).toFixed(1)} %); using the measured value (--trust-metadata keeps the stated one, --pixel-size overrides both)`);
  return {
    pixelSizePm: { value: measuredPm, origin: 'lattice', note: `${where} stated ${shown} pm/px (${(disagreement * 100).toFixed(1)} % off the lattice)` },
    measuredPm,
    disagreement,
    warnings,
  };
}
