/**
 * Which pixel size to use for a frame: the user's, run.json's, the file's, or the one measured from the
 * lattice. The policy (issue 12):
 *
 * - `--pixel-size` (command line) wins; otherwise the stated value is the previous run.json's, else the
 *   file's (data/pixelSize.ts, the one precedence rule).
 * - A stated value is replaced by the lattice-derived one (inference/latticeScale.ts) only when the
 *   frame *is* the model's lattice (inference/applicability.ts says `applicable: true` from its Fourier
 *   peaks) and the two disagree by more than `tolerance` (5 %), unless `trustMetadata` is set.
 *   Otherwise the stated value is kept, with a warning when the lattice disagrees. Example:
 *   ../shared/data/WSe2_movie/HAADF.tif states 31.25 pm/px, but its first-order WSe2 spacing (284 pm)
 *   measures 7.6 px, i.e. about 37 pm/px; the PbTiO3/SrRuO3 superlattice file keeps its 15.0 pm/px.
 * - A frame without any stated value gets the lattice-derived one when the frame is the model's
 *   lattice, else "unknown" (never a made-up value): the user is told to pass `--pixel-size PM`.
 *   (When the Fourier check cannot tell, inference/locate.ts tries the bond lengths of the network's atoms.)
 */
import type { Sourced } from '../data/runMetadata.ts';
import { resolvePixelSize } from '../data/pixelSize.ts';
import { firstOrderSpacingPm, pixelSizeFromSpacing } from './latticeScale.ts';
import { checkFrameLattice, type LatticeVerdict } from './applicability.ts';

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
  /** The Fourier verdict of the frame (inference/applicability.ts) the decision rests on. */
  verdict: LatticeVerdict;
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
  /** The model's lattice name for messages ('graphene', 'WSe2'). */
  latticeName?: string;
  /** The frame's verdict when already computed (else it is computed here, inference/applicability.ts). */
  verdict?: LatticeVerdict;
}

/**
 * Decide the pixel size (see the module comment for the rules).
 * @throws nothing: an unusable frame gives an 'unknown' verdict and, without a stated value, an unknown pixel size
 */
export function choosePixelSize(inp: PixelSizeInputs): PixelSizeDecision {
  const warnings: string[] = [];
  const resolved = resolvePixelSize({ commandLinePm: inp.commandLinePm, runJson: inp.runJson, file: inp.file });
  const stated = resolved.value != null ? resolved : null;
  const name = inp.latticeName ?? 'the model\'s lattice';
  const verdict =
    inp.verdict ??
    checkFrameLattice(inp.frame, inp.height, inp.width, { lattice: name, latticeConstantPm: inp.latticeConstantPm, pointGroup: inp.pointGroup }, stated?.value ?? null);
  const applies = verdict.applicable === true && verdict.model !== null;
  const measuredPm = applies ? pixelSizeFromSpacing(verdict.model!.spacingPx, inp.latticeConstantPm, inp.pointGroup) : null;
  const d100 = firstOrderSpacingPm(inp.latticeConstantPm, inp.pointGroup);
  if (resolved.origin === 'command-line') return { pixelSizePm: resolved, measuredPm, disagreement: measuredPm ? resolved.value! / measuredPm - 1 : null, warnings, verdict };
  if (!stated) {
    if (measuredPm == null) {
      warnings.push(
        verdict.applicable === false
          ? `pixel size unknown: none in the file, and the frame is not a ${name} lattice`
          : 'no pixel size in the file and no lattice found in the frame: give --pixel-size PM',
      );
      return { pixelSizePm: { value: null, origin: 'none' }, measuredPm, disagreement: null, warnings, verdict };
    }
    const spacingPx = verdict.model!.spacingPx;
    warnings.push(`no pixel size in the file; using ${measuredPm.toFixed(2)} pm/px measured from the lattice (first-order spacing ${d100.toFixed(0)} pm = ${spacingPx.toFixed(2)} px)`);
    return { pixelSizePm: { value: measuredPm, origin: 'lattice', note: `first-order spacing ${spacingPx.toFixed(3)} px` }, measuredPm, disagreement: null, warnings, verdict };
  }
  const statedPm = stated.value!;
  const shown = Number(statedPm.toPrecision(6)); // a TIFF rational 9.4999999905 is shown as 9.5
  const where = stated.origin === 'run.json' || inp.runJson?.value != null ? 'run.json' : 'the file';
  if (measuredPm == null) {
    if (verdict.applicable === 'unknown') warnings.push(`could not measure the lattice spacing to check the stated ${shown} pm/px; using it as stated`);
    else warnings.push(`keeping the stated ${shown} pm/px: the frame is not a ${name} lattice, so its spacing says nothing about the pixel size`);
    return { pixelSizePm: stated, measuredPm, disagreement: null, warnings, verdict };
  }
  const disagreement = statedPm / measuredPm - 1;
  const tol = inp.tolerance ?? 0.05;
  if (Math.abs(disagreement) <= tol) return { pixelSizePm: stated, measuredPm, disagreement, warnings, verdict };
  if (inp.trustMetadata) {
    warnings.push(`${where} states ${shown} pm/px but the lattice measures ${measuredPm.toFixed(2)} pm/px (${(disagreement * 100).toFixed(1)} %); keeping the stated value (--trust-metadata)`);
    return { pixelSizePm: stated, measuredPm, disagreement, warnings, verdict };
  }
  warnings.push(`${where} states ${shown} pm/px but the lattice measures ${measuredPm.toFixed(2)} pm/px (${(disagreement * 100).toFixed(1)} %); using the measured value (--trust-metadata keeps the stated one, --pixel-size overrides both)`);
  return {
    pixelSizePm: { value: measuredPm, origin: 'lattice', note: `${where} stated ${shown} pm/px (${(disagreement * 100).toFixed(1)} % off the lattice)` },
    measuredPm,
    disagreement,
    warnings,
    verdict,
  };
}
