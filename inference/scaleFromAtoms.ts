/**
 * The pixel size of a frame that has no calibration and whose lattice is too faint for the Fourier
 * check (inference/latticeSpacing.ts), found from the network's own detections: the frame is
 * segmented at a series of trial pixel sizes (geometric, 2 to 60 pm/px) and at each the nearest-
 * neighbour distances of the detected atoms are compared with the model's bond length. Only at the
 * right scale does the network find a lattice whose bonds have that length; the best trial is then
 * refined once by the ratio of the bond length to the median nearest-neighbour distance
 * (inference/latticeScale.ts).
 */
import type { Segmenter } from './segmenter.ts';
import { locateFrame, nearestNeighbourPm } from './locateFrame.ts';
import { bondAgreement, pixelSizeFromNearest } from './latticeScale.ts';

/** Result of {@link scaleFromAtoms}. */
export interface AtomScale {
  /** Pixel size of the input frame, pm/px. */
  pixelSizePm: number;
  /** Fraction of detected atoms whose nearest neighbour lies within 12 % of the bond length. */
  agreement: number;
  /** Atoms detected at that scale. */
  atoms: number;
}

/**
 * Find the pixel size at which the network sees the model's lattice.
 * @param frame raw float32 `[height * width]`
 * @returns null when no trial scale gives a lattice (agreement under 0.6 or fewer than 20 atoms)
 */
export async function scaleFromAtoms(seg: Segmenter, frame: Float32Array, height: number, width: number): Promise<AtomScale | null> {
  const bond = nearestNeighbourPm(seg);
  const trial = async (px: number) => {
    // a centred crop of at most 320 x 320 model pixels keeps every trial as cheap as one small frame
    const side = Math.floor((320 * seg.card.pixelSizePm) / px);
    const ch = Math.min(height, side), cw = Math.min(width, side);
    const y0 = (height - ch) >> 1, x0 = (width - cw) >> 1;
    const crop = new Float32Array(ch * cw);
    for (let y = 0; y < ch; y++) crop.set(frame.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + cw), y * cw);
    const { atoms } = await locateFrame(seg, crop, ch, cw, { inputPixelSizePm: px, hotPixels: false, fit: false });
    const { agreement, goodNearestPx: good } = bondAgreement(atoms, px, bond);
    return { px, agreement, atoms: atoms.length, scale: good.length ? pixelSizeFromNearest(good, bond) : NaN };
  };
  let best: Awaited<ReturnType<typeof trial>> | null = null;
  for (let px = 2; px <= 60; px *= 1.15) {
    // skip scales at which the frame would be smaller than 48 model pixels
    if ((Math.min(height, width) * px) / seg.card.pixelSizePm < 48) continue;
    const t = await trial(px);
    if (t.atoms >= 20 && (!best || t.agreement > best.agreement)) best = t;
  }
  if (!best || best.agreement < 0.6 || !Number.isFinite(best.scale)) return null;
  const refined = await trial(best.scale);
  const final = refined.agreement >= best.agreement && Number.isFinite(refined.scale) ? refined : best;
  const px = Number.isFinite(final.scale) ? final.scale : final.px;
  return { pixelSizePm: px, agreement: final.agreement, atoms: final.atoms };
}
