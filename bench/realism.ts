/**
 * Realism check: measure the real frames (../shared/data/graphene_Si/G-Si-2nm.hdf5 and
 * ../shared/data/WSe2_movie/HAADF.tif) and simulated frames with the same statistics
 * (training/simulator/imageStatistics.ts) and print them side by side (`npm run bench -- realism`); with
 * `--docs DIR` also write real | simulated PNGs and sim-vs-real.json there (docs/ holds the committed ones).
 *
 *   npm run bench -- realism        or        npx tsx bench/realism.ts [--fit] [--data DIR] [--docs DIR]
 *
 * --fit   derive the imaging presets from the real frames (the numbers in training/simulator/imagingPresets.ts
 *         were made this way) and print them, instead of using the stored presets.
 * Fitting, per material: the lattice period gives the pixel size; the source blur is chosen so the
 * noise-free image has the real ratio of {110} to {100} fringe power; gain x dose so the {100} fringe
 * variance matches; the background so the mean matches; the detector gain (and pulse-height spread)
 * so the noise matches (for the counted graphene frame also the fraction of zero pixels, which gives
 * the electrons per pixel, P(0) = exp(-electrons)); the fast-scan noise correlation so the noise power along
 * kx and ky match.
 */
import { existsSync } from 'node:fs';
import { AtomdynError } from '../data/errors.ts';
import path from 'node:path';
import sharp from 'sharp';
import { openFrames } from '../data/openFrames.ts';
import { sharedData, sharedRoots } from '../evaluation/sharedData.ts';
import { Random } from '../data/random.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { bandSignalVariance, directionalNoisePower, gaussianSmooth, measureImage, windowedPowerSpectrum, type ImageStatistics } from '../training/simulator/imageStatistics.ts';
import { simulateImage, type ImagingParams, type SimulatedImage } from '../training/simulator/simulateImage.ts';
import { GRAPHENE_PRESET, WSE2_MOVIE_PRESET, type ImagingPreset } from '../training/simulator/imagingPresets.ts';
import { detect, IDEAL_DETECTOR } from '../training/simulator/detectorNoise.ts';
import { NO_CONTAMINATION } from '../training/simulator/contamination.ts';
import { NO_SCAN_DISTORTION } from '../training/simulator/scanDistortion.ts';
import { MX2_MATERIALS } from '../training/simulator/lattices/mx2.ts';
import { GRAPHENE_BOND_PM } from '../training/simulator/lattices/graphene.ts';


/** A real frame to compare with. */
interface RealFrame {
  name: string;
  data: Float64Array;
  width: number;
  height: number;
}

/** Everything measured on one image. */
interface Figures extends ImageStatistics {
  /** Lattice {100} fringe signal variance. */
  v100: number;
  /** Lattice {110} fringe signal variance. */
  v110: number;
  /** Signal variance below the {100} band (background variation, dopants; Hann-windowed, so a feature near the centre weighs more). */
  vLow: number;
  /** Robust (MAD) standard deviation of the image smoothed over half a lattice period, central crop, smoothed noise removed: the background variation. */
  backgroundStd: number;
  /** Noise power along kx and ky beyond `kDir`. */
  noiseX: number;
  noiseY: number;
  /** Brightest feature above the median after smoothing by 0.15 lattice periods (the dopant). */
  dopantExcess: number;
  /** Direction of the strongest {100} spot, degrees modulo 60 (atan2(ky, kx), ky down). */
  latticeAngleDeg: number;
  /** Fraction of pixels <= 0.5. */
  zeroFraction: number;
  p01: number;
  p50: number;
  p99: number;
}

/** The shared real-data folder (evaluation/sharedData.ts's search order); an error when it is missing. */
function findSharedData(): string {
  const dir = sharedData();
  if (!existsSync(path.join(dir, 'graphene_Si'))) throw new AtomdynError('--data', `cannot find the shared real data (tried ${sharedRoots().join(', ')}; or $ATOMDYN_SHARED); pass --data DIR`);
  return dir;
}

/** Every frame of a real file, through the project's readers (data/openFrames.ts). */
async function readReal(file: string, name: string): Promise<RealFrame[]> {
  const stack = await openFrames(file);
  try {
    const out: RealFrame[] = [];
    for (let k = 0; k < stack.count; k++) {
      out.push({ name: stack.count > 1 ? `${name} frame ${k}` : name, data: Float64Array.from(await stack.readFrame(k)), width: stack.width, height: stack.height });
    }
    return out;
  } finally {
    await stack.close();
  }
}

/** Measure with settings tied to the lattice period `periodPx` and the noise cut-off. */
function figures(img: ArrayLike<number>, width: number, height: number, periodPx: number, cutoff: number, kDir: number, smoothPx: number): Figures {
  const st = measureImage(img, width, height, { noiseCutoffCyclesPerPx: cutoff, smoothPx, minPeriodPx: periodPx * 0.7, maxPeriodPx: periodPx * 1.4 });
  const nv = st.noiseStd ** 2;
  const k1 = 1 / periodPx;
  const k2 = Math.sqrt(3) / periodPx;
  const dir = directionalNoisePower(img, width, height, kDir);
  const sorted = Float64Array.from(img as ArrayLike<number>).sort();
  let zeros = 0;
  for (const v of sorted) if (v <= 0.5) zeros++;
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return {
    backgroundStd: backgroundStd(img, width, height, 0.5 * periodPx, st.noiseStd),
    dopantExcess: dopantExcess(img, width, height, 0.15 * periodPx),
    latticeAngleDeg: latticeAngleDeg(img, width, height, periodPx),
    ...st,
    v100: bandSignalVariance(img, width, height, 0.85 * k1, 1.15 * k1, nv),
    v110: bandSignalVariance(img, width, height, 0.9 * k2, 1.1 * k2, nv),
    vLow: bandSignalVariance(img, width, height, 0, 0.7 * k1, nv),
    noiseX: dir.x,
    noiseY: dir.y,
    zeroFraction: zeros / sorted.length,
    p01: q(0.01),
    p50: q(0.5),
    p99: q(0.99),
  };
}

/** See {@link Figures.backgroundStd}. */
function backgroundStd(img: ArrayLike<number>, width: number, height: number, sigmaPx: number, noiseStd: number): number {
  const sm = gaussianSmooth(img, width, height, sigmaPx);
  const m = Math.ceil(2 * sigmaPx);
  const vals: number[] = [];
  for (let i = m; i < height - m; i++) for (let j = m; j < width - m; j++) vals.push(sm[i * width + j]);
  vals.sort((a, b) => a - b);
  const med = vals[vals.length >> 1];
  const dev = vals.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
  const mad = 1.4826 * dev[dev.length >> 1];
  const noiseSmoothed = (Number.isFinite(noiseStd) ? noiseStd : 0) / (2 * Math.sqrt(Math.PI) * sigmaPx);
  return Math.sqrt(Math.max(0, mad * mad - noiseSmoothed * noiseSmoothed));
}

/** See {@link Figures.dopantExcess}. */
function dopantExcess(img: ArrayLike<number>, width: number, height: number, sigmaPx: number): number {
  const sm = gaussianSmooth(img, width, height, sigmaPx);
  const m = Math.ceil(2 * sigmaPx);
  const vals: number[] = [];
  for (let i = m; i < height - m; i++) for (let j = m; j < width - m; j++) vals.push(sm[i * width + j]);
  vals.sort((a, b) => a - b);
  return vals[vals.length - 1] - vals[vals.length >> 1];
}

/** See {@link Figures.latticeAngleDeg}. */
function latticeAngleDeg(img: ArrayLike<number>, width: number, height: number, periodPx: number): number {
  const { power, w, h } = windowedPowerSpectrum(img, width, height);
  let best = -1;
  let angle = 0;
  for (let i = 0; i < h; i++) {
    const ky = (i <= h / 2 ? i : i - h) / h;
    for (let j = 0; j < w; j++) {
      const kx = (j <= w / 2 ? j : j - w) / w;
      const k = Math.hypot(kx, ky) * periodPx;
      if (k < 0.85 || k > 1.15) continue;
      if (power[i * w + j] > best) {
        best = power[i * w + j];
        angle = (Math.atan2(ky, kx) * 180) / Math.PI;
      }
    }
  }
  return ((angle % 60) + 60) % 60;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function averageFigures(fs: Figures[]): Figures {
  const out: Record<string, number | null> = {};
  for (const key of Object.keys(fs[0]) as Array<keyof Figures>) {
    const vals = fs.map((f) => f[key]).filter((v): v is number => typeof v === 'number');
    out[key] = vals.length ? mean(vals) : null;
  }
  return out as unknown as Figures;
}

/** Simulate with a preset: `count` images with seeds seed..seed+count-1. */
function simulatePreset(preset: ImagingPreset, width: number, height: number, seed: number, imaging?: ImagingParams): SimulatedImage[] {
  const out: SimulatedImage[] = [];
  for (let k = 0; k < preset.frames; k++) {
    out.push(simulateImage({ specimen: preset.specimen, frame: { width, height, pixelSizePm: preset.pixelSizePm }, imaging: imaging ?? preset.imaging, seed: seed + k }));
  }
  return out;
}

/** Noise-free image of a preset's specimen (ideal detector, no background unless given). */
function noiseFree(preset: ImagingPreset, width: number, height: number, sourceFwhmPm: number, seed: number, background?: { fraction: number; variation: number }): SimulatedImage {
  const imaging: ImagingParams = {
    ...preset.imaging,
    probe: { ...preset.imaging.probe, sourceFwhmPm },
    detector: IDEAL_DETECTOR,
    backgroundFraction: background?.fraction ?? 0,
    backgroundVariation: background?.variation ?? 0,
    contamination: NO_CONTAMINATION,
    distortion: NO_SCAN_DISTORTION,
  };
  const s = simulateImage({ specimen: preset.specimen, frame: { width, height, pixelSizePm: preset.pixelSizePm }, imaging, seed });
  // the noise-free image itself stands in for the recorded one
  return { ...s, image: s.expected };
}

interface FitResult {
  pixelSizePm: number;
  sourceFwhmPm: number;
  doseEPerA2: number;
  gain: number;
  pulseShape: number;
  backgroundFraction: number;
  backgroundVariation: number;
  noiseCorrelationPx: number;
  zExponent: number;
  rotationDeg: number;
}

/** Directional noise power of white noise (variance 1) after the noise correlation. */
function blurredNoise(tau: number, width: number, height: number, kDir: number): { x: number; y: number } {
  const flat = new Float64Array(width * height).fill(400);
  const img = detect(flat, { ...IDEAL_DETECTOR, noiseCorrelationPx: tau }, new Random(11), width);
  const d = directionalNoisePower(img, width, height, kDir);
  return { x: d.x / 400, y: d.y / 400 };
}

/**
 * Fit a preset's imaging parameters to real figures (see the file header).
 * @param counted the real frame is in counts (zero fraction usable)
 */
function fit(preset: ImagingPreset, real: Figures, width: number, height: number, periodPx: number, kDir: number, counted: boolean, log: (s: string) => void): FitResult {
  const material = preset.specimen.lattice;
  const d100Pm = material === 'graphene' ? 1.5 * GRAPHENE_BOND_PM : (MX2_MATERIALS[material as 'WSe2'].aPm * Math.sqrt(3)) / 2;
  const pixelSizePm = d100Pm / periodPx;
  log(`  lattice period ${periodPx.toFixed(3)} px -> pixel size ${pixelSizePm.toFixed(3)} pm`);
  const p: ImagingPreset = { ...preset, pixelSizePm };
  const seeds = [0, 1, 2];
  // 1. noise correlation from the kx/ky noise ratio
  let noiseCorrelationPx = 0;
  const realRatio = real.noiseX / real.noiseY;
  if (realRatio < 0.95) {
    let lo = 0.01;
    let hi = 5;
    for (let it = 0; it < 25; it++) {
      const mid = Math.sqrt(lo * hi);
      const d = blurredNoise(mid, width, height, kDir);
      if (d.x / d.y > realRatio) lo = mid;
      else hi = mid;
    }
    noiseCorrelationPx = Math.sqrt(lo * hi);
  }
  log(`  noise kx/ky ratio ${realRatio.toFixed(3)} -> noise correlation ${noiseCorrelationPx.toFixed(3)} px`);
  // 2. source blur from the {110}/{100} ratio
  const ratioReal = real.v110 / real.v100;
  const band100 = (img: ArrayLike<number>) => bandSignalVariance(img, width, height, 0.85 / periodPx, 1.15 / periodPx, 0);
  const band110 = (img: ArrayLike<number>) => bandSignalVariance(img, width, height, (0.9 * Math.sqrt(3)) / periodPx, (1.1 * Math.sqrt(3)) / periodPx, 0);
  const ratios: Array<[number, number]> = [];
  for (let s = 0; s <= 160; s += 10) {
    const imgs = seeds.map((k) => noiseFree(p, width, height, s, 1000 + k));
    ratios.push([s, mean(imgs.map((im) => band110(im.image) / band100(im.image)))]);
  }
  log(`  {110}/{100} real ${ratioReal.toFixed(3)}; noise-free by source FWHM (pm): ${ratios.map(([s, r]) => `${s}:${r.toFixed(3)}`).join(' ')}`);
  let sourceFwhmPm = ratios[ratios.length - 1][0];
  for (let k = 1; k < ratios.length; k++) {
    const [s0, r0] = ratios[k - 1];
    const [s1, r1] = ratios[k];
    if ((r0 - ratioReal) * (r1 - ratioReal) <= 0) {
      // interpolate in log ratio
      const t = Math.log(ratioReal / r0) / Math.log(r1 / r0);
      sourceFwhmPm = Math.round(s0 + t * (s1 - s0));
      break;
    }
  }
  if (ratioReal > ratios[0][1]) sourceFwhmPm = 0;
  // 3. counts per reference electron from the {100} variance; background from the mean
  const ref = seeds.map((k) => noiseFree(p, width, height, sourceFwhmPm, 2000 + k));
  const v100 = mean(ref.map((im) => band100(im.image)));
  const meanRef = mean(ref.map((im) => mean(Array.from(im.image))));
  const scale = Math.sqrt(real.v100 / v100);
  const electronsPerPixelRef = (preset.imaging.doseEPerA2 * pixelSizePm * pixelSizePm) / 1e4;
  const backgroundFraction = Math.max(0, (real.mean / scale - meanRef) / electronsPerPixelRef);
  log(`  source FWHM ${sourceFwhmPm} pm; scale ${scale.toPrecision(4)} counts per reference electron; lattice mean ${meanRef.toPrecision(4)} e; background fraction ${backgroundFraction.toExponential(3)} (sigma_C ${ref[0].stats.carbonCrossSectionPm2.toFixed(2)} pm^2 at the reference dose ${preset.imaging.doseEPerA2})`);
  // 4. background variation from the robust smoothed standard deviation (it adds in quadrature)
  const bgStd = (variation: number) =>
    mean(seeds.map((k) => backgroundStd(noiseFree(p, width, height, sourceFwhmPm, 2000 + k, { fraction: backgroundFraction, variation }).image, width, height, 0.5 * periodPx, 0))) * scale;
  const b0 = bgStd(0);
  const b1 = bgStd(0.1);
  const backgroundVariation = real.backgroundStd > b0 && b1 > b0 ? 0.1 * Math.sqrt((real.backgroundStd ** 2 - b0 ** 2) / (b1 ** 2 - b0 ** 2)) : 0;
  log(`  background std real ${real.backgroundStd.toPrecision(4)}, lattice+dopant alone ${b0.toPrecision(4)} -> background variation ${backgroundVariation.toFixed(4)}`);
  // 5. Z exponent from the dopant's brightness (graphene with a dopant only)
  let zExponent = preset.imaging.zExponent;
  if (material === 'graphene' && (preset.specimen.configurationCount ?? 0) > 0) {
    const excess = (n: number) =>
      mean(seeds.map((k) => dopantExcess(noiseFree({ ...p, imaging: { ...p.imaging, zExponent: n } }, width, height, sourceFwhmPm, 2000 + k).image, width, height, 0.15 * periodPx))) * scale;
    let bestErr = Infinity;
    const tried: string[] = [];
    for (let n = 1.3; n <= 2.31; n += 0.05) {
      const e = excess(n);
      tried.push(`${n.toFixed(2)}:${e.toFixed(1)}`);
      if (Math.abs(e - real.dopantExcess) < bestErr) {
        bestErr = Math.abs(e - real.dopantExcess);
        zExponent = Math.round(n * 100) / 100;
      }
    }
    log(`  dopant excess real ${real.dopantExcess.toFixed(2)}; noise-free by n: ${tried.join(' ')} -> n = ${zExponent}`);
  }
  // 6. lattice rotation (for the figures): the spot direction turns by -rotation
  const angle0 = latticeAngleDeg(noiseFree({ ...p, specimen: { ...p.specimen, rotationDeg: 0 } }, width, height, sourceFwhmPm, 3000).image, width, height, periodPx);
  const rotationDeg = Math.round((((angle0 - real.latticeAngleDeg) % 60) + 60) % 60);
  log(`  {100} spot at ${real.latticeAngleDeg.toFixed(1)} deg (unrotated model ${angle0.toFixed(1)}) -> rotation ${rotationDeg} deg`);
  // 7. detector gain (and pulse-height spread) from the noise before the noise correlation
  const fy = noiseCorrelationPx > 0 ? blurredNoise(noiseCorrelationPx, width, height, kDir).y : 1;
  // the noise correlation lowers the noise power along ky by fy; the white level before it is real.noiseY / fy
  const white = real.noiseY / fy;
  let gain: number;
  let pulseShape = Infinity;
  if (counted && real.zeroFraction > 0) {
    // P(count 0) = mean over pixels of exp(-E(x) / gain), E the expected counts
    const E = Array.from(noiseFree(p, width, height, sourceFwhmPm, 2000, { fraction: backgroundFraction, variation: backgroundVariation }).image, (v) => v * scale);
    const zeros = (g: number) => mean(E.map((e) => Math.exp(-e / g)));
    let lo = 0.01;
    let hi = real.mean;
    for (let it = 0; it < 60; it++) {
      const mid = Math.sqrt(lo * hi);
      if (zeros(mid) < real.zeroFraction) lo = mid;
      else hi = mid;
    }
    gain = Math.sqrt(lo * hi);
    const fano = white / (gain * real.mean); // 1 + 1/shape
    pulseShape = fano > 1.001 ? 1 / (fano - 1) : Infinity;
    log(`  zero fraction ${real.zeroFraction.toExponential(3)} -> gain ${gain.toFixed(3)} counts/e (${(real.mean / gain).toFixed(2)} e/px), white noise ${white.toFixed(2)} -> pulse shape ${pulseShape.toFixed(3)}`);
  } else {
    gain = white / real.mean;
    log(`  gain ${gain.toPrecision(4)} from white-noise variance / mean`);
  }
  const doseEPerA2 = (preset.imaging.doseEPerA2 * scale) / gain;
  return { pixelSizePm, sourceFwhmPm, doseEPerA2, gain, pulseShape, backgroundFraction, backgroundVariation, noiseCorrelationPx, zExponent, rotationDeg };
}

function table(rows: Array<[string, Figures, Figures]>): string {
  const keys: Array<keyof Figures> = ['mean', 'noiseStd', 'noiseStdResidual', 'signalStd', 'snr', 'contrast', 'latticeSnr', 'v100', 'v110', 'vLow', 'backgroundStd', 'dopantExcess', 'latticeAngleDeg', 'noiseX', 'noiseY', 'zeroFraction', 'p01', 'p50', 'p99', 'latticePeriodPx'];
  const fmt = (v: unknown) => (typeof v === 'number' ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(3) : v.toFixed(3)) : String(v));
  const lines: string[] = [];
  for (const [name, real, sim] of rows) {
    lines.push(`| ${name} | real | simulated |`, '| --- | --- | --- |');
    for (const k of keys) lines.push(`| ${k} | ${fmt(real[k])} | ${fmt(sim[k])} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Grey PNG of real | simulated, raw on top and Gaussian-smoothed below, each stretched to its own 0.5-99.5 % range. */
async function sideBySide(real: RealFrame, sim: SimulatedImage, smoothPx: number, scale: number, file: string): Promise<void> {
  const tiles: Array<{ data: ArrayLike<number>; w: number; h: number }> = [
    { data: real.data, w: real.width, h: real.height },
    { data: sim.image, w: sim.width, h: sim.height },
    { data: gaussianSmooth(real.data, real.width, real.height, smoothPx), w: real.width, h: real.height },
    { data: gaussianSmooth(sim.image, sim.width, sim.height, smoothPx), w: sim.width, h: sim.height },
  ];
  const gap = 8;
  const tw = Math.max(real.width, sim.width) * scale;
  const th = Math.max(real.height, sim.height) * scale;
  const W = 2 * tw + gap;
  const H = 2 * th + gap;
  const rgb = Buffer.alloc(W * H, 255);
  tiles.forEach((t, idx) => {
    const sorted = Float64Array.from(t.data as ArrayLike<number>).sort();
    const lo = sorted[Math.floor(0.005 * sorted.length)];
    const hi = sorted[Math.floor(0.995 * sorted.length)];
    const ox = (idx % 2) * (tw + gap);
    const oy = Math.floor(idx / 2) * (th + gap);
    for (let y = 0; y < t.h * scale; y++) {
      for (let x = 0; x < t.w * scale; x++) {
        const v = t.data[Math.floor(y / scale) * t.w + Math.floor(x / scale)];
        rgb[(oy + y) * W + ox + x] = Math.max(0, Math.min(255, Math.round((255 * (v - lo)) / (hi - lo || 1))));
      }
    }
  });
  const png = await sharp(rgb, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
  await writeFileAtomic(file, png);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const doFit = args.includes('--fit');
  const dataDir = args.includes('--data') ? args[args.indexOf('--data') + 1] : findSharedData();
  const docsDir = args.includes('--docs') ? args[args.indexOf('--docs') + 1] : null;
  const log = (s: string) => process.stdout.write(s + '\n');
  const report: Record<string, unknown> = {};
  const rows: Array<[string, Figures, Figures]> = [];

  for (const which of ['graphene', 'WSe2'] as const) {
    let preset = which === 'graphene' ? GRAPHENE_PRESET : WSE2_MOVIE_PRESET;
    const reals =
      which === 'graphene'
        ? await readReal(path.join(dataDir, 'graphene_Si/G-Si-2nm.hdf5'), 'G-Si-2nm.hdf5')
        : await readReal(path.join(dataDir, 'WSe2_movie/HAADF.tif'), 'HAADF.tif');
    const { width, height } = reals[0];
    const nominalPeriod = which === 'graphene' ? 1.5 * GRAPHENE_BOND_PM / preset.pixelSizePm : (MX2_MATERIALS.WSe2.aPm * Math.sqrt(3)) / 2 / preset.pixelSizePm;
    const lambdaCut = (2 * preset.imaging.probe.convergenceMrad) / 1000 / 4.866; // 1/pm at 60 kV
    const cutoff = Math.min(0.6, 1.15 * lambdaCut * preset.pixelSizePm);
    const kDir = which === 'graphene' ? 0.3 : 0.45;
    const smoothPx = (0.25 * (which === 'graphene' ? GRAPHENE_BOND_PM : MX2_MATERIALS.WSe2.aPm / Math.sqrt(3))) / preset.pixelSizePm;
    const realFigs = averageFigures(reals.map((r) => figures(r.data, r.width, r.height, nominalPeriod, cutoff, kDir, smoothPx)));
    log(`${which}: real ${reals.length} frame(s), lattice period ${realFigs.latticePeriodPx?.toFixed(3)} px (preset pixel size ${preset.pixelSizePm} pm)`);
    let imaging = preset.imaging;
    if (doFit) {
      const f = fit(preset, realFigs, width, height, realFigs.latticePeriodPx ?? nominalPeriod, kDir, which === 'graphene', log);
      log(`  fitted: ${JSON.stringify(f)}`);
      report[`${which}Fit`] = f;
      imaging = {
        ...imaging,
        probe: { ...imaging.probe, sourceFwhmPm: f.sourceFwhmPm },
        doseEPerA2: f.doseEPerA2,
        backgroundFraction: f.backgroundFraction,
        backgroundVariation: f.backgroundVariation,
        zExponent: f.zExponent,
        detector: { ...imaging.detector, gain: f.gain, pulseShape: f.pulseShape, noiseCorrelationPx: f.noiseCorrelationPx },
      };
      preset = { ...preset, pixelSizePm: f.pixelSizePm, imaging, specimen: { ...preset.specimen, rotationDeg: f.rotationDeg } };
    }
    const sims = simulatePreset(preset, width, height, 42, imaging);
    const simFigs = averageFigures(sims.map((s) => figures(s.image, s.width, s.height, nominalPeriod, cutoff, kDir, smoothPx)));
    rows.push([which === 'graphene' ? 'G-Si-2nm.hdf5' : 'WSe2 HAADF.tif (mean of 5 frames)', realFigs, simFigs]);
    report[which] = { real: realFigs, simulated: simFigs, columnCounts: sims[0].stats.columnCounts, electronsPerPixel: sims[0].stats.electronsPerPixel, preset: { ...preset, imaging } };
    if (!doFit && docsDir) {
      const file = path.join(docsDir, which === 'graphene' ? 'sim-vs-real-graphene.png' : 'sim-vs-real-wse2.png');
      await sideBySide(reals[0], sims[0], which === 'graphene' ? 2.5 : 0.7, which === 'graphene' ? 2 : 4, file);
      log(`  wrote ${file}`);
    }
  }
  log('\n' + table(rows));
  if (!doFit && docsDir) await writeFileAtomic(path.join(docsDir, 'sim-vs-real.json'), JSON.stringify(report, null, 2) + '\n');
}

await main();
