/**
 * The out-of-distribution section of bench/locate.ts (a module, not a benchmark of its own: the
 * leading underscore keeps bin/atomdyn-bench.mjs from running it alone). Runs each method on the
 * committed set of evaluation/oodGraphene.ts and prints, per configuration kind: atom F1, columns at
 * empty sites, spurious columns, Si-C bond bias, formula accuracy; then the calibration of sigma per
 * dose bin; then spurious columns on pristine frames at 0.5x G-Si-2nm's dose.
 */
import { OOD_KINDS, OOD_PARAMETERS, oodFrame, oodSet, type OodFrame } from '../evaluation/oodGraphene.ts';
import { OodTally, type OodDetection } from '../evaluation/oodScore.ts';

/** A method under test: frame -> detections (pixels of the frame). */
export type OodMethod = (f: OodFrame) => Promise<OodDetection[]>;

/**
 * Run every method on the set and return the markdown lines.
 * @param methods name -> method
 * @param framesPerKind frames of each kind (4 defects each)
 */
export async function oodSection(methods: Record<string, OodMethod>, framesPerKind: number, pristineLowDoseFrames: number): Promise<string[]> {
  const names = Object.keys(methods);
  const tallies = names.map(() => new OodTally());
  const low = names.map(() => new OodTally());
  const ms = names.map(() => 0);
  let frames = 0;
  for (const f of oodSet(framesPerKind)) {
    frames++;
    for (let m = 0; m < names.length; m++) {
      const t0 = Date.now();
      const det = await methods[names[m]](f);
      ms[m] += Date.now() - t0;
      tallies[m].add(f, det);
    }
  }
  for (let k = 0; k < pristineLowDoseFrames; k++) {
    const f = oodFrame('pristine', 31_000 + k, {}, { doseFactor: 0.5 });
    for (let m = 0; m < names.length; m++) low[m].add(f, await methods[names[m]](f));
  }
  const out: string[] = [];
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(2)} %` : '-');
  out.push(`Out-of-distribution Si-in-graphene set (evaluation/oodGraphene.ts: own geometry and image formation, Si-C ${OOD_PARAMETERS.siCBondPm.join('-')} pm, doses ${OOD_PARAMETERS.doseFactor.join('-')}x G-Si-2nm, ${OOD_PARAMETERS.pixelSizePm.join('-')} pm/px), ${framesPerKind} frames per kind, ${OOD_PARAMETERS.defectsPerFrame} defects per frame`);
  out.push('| kind | method | atoms | F1 | spurious columns | columns at empty sites | Si-C bonds | Si-C bias pm | Si-C RMS pm | formula accuracy |');
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const kind of OOD_KINDS) {
    names.forEach((n, m) => {
      const s = tallies[m].perKind()[kind];
      if (!s) return;
      out.push(`| ${kind} | ${n} | ${s.truth} | ${s.f1.toFixed(4)} | ${pct(s.fp, s.truth)} | ${s.emptySites ? `${s.atEmptySites}/${s.emptySites} (${pct(s.atEmptySites, s.emptySites)})` : '-'} | ${s.bonds || '-'} | ${s.bonds ? s.bondBiasPm.toFixed(1) : '-'} | ${s.bonds ? s.bondRmsPm.toFixed(1) : '-'} | ${s.defects ? `${s.formulaCorrect}/${s.defects}` : '-'} |`);
    });
  }
  out.push('');
  out.push('Calibration of sigma_pm per dose bin (x and y errors of matched atoms; target ratio 0.67-1.5, 60-76 % within 1 sigma)');
  out.push('| dose bin (x G-Si-2nm) | method | coordinates | RMS error pm | RMS sigma pm | ratio | within 1 sigma |');
  out.push('|---|---|---|---|---|---|---|');
  for (let b = 0; b < 3; b++) {
    names.forEach((n, m) => {
      const c = tallies[m].calibration()[b];
      out.push(`| ${c.bin[0]}-${Math.round(c.bin[1])} | ${n} | ${c.n} | ${Number.isFinite(c.rmsErrorPm) ? c.rmsErrorPm.toFixed(2) : '-'} | ${Number.isFinite(c.rmsSigmaPm) ? c.rmsSigmaPm.toFixed(2) : '-'} | ${Number.isFinite(c.ratio) ? c.ratio.toFixed(2) : '-'} | ${Number.isFinite(c.within1) ? `${(100 * c.within1).toFixed(1)} %` : '-'} |`);
    });
  }
  out.push('');
  out.push(`Pristine frames at 0.5x G-Si-2nm's dose (${pristineLowDoseFrames} frames)`);
  out.push('| method | atoms | spurious columns | F1 |');
  out.push('|---|---|---|---|');
  names.forEach((n, m) => {
    const s = low[m].perKind().pristine;
    if (s) out.push(`| ${n} | ${s.truth} | ${s.fp} (${pct(s.fp, s.truth)}) | ${s.f1.toFixed(4)} |`);
  });
  out.push('');
  out.push(`Time per frame (${frames} frames, sides ${Math.round(OOD_PARAMETERS.fieldPm / OOD_PARAMETERS.pixelSizePm[1])}-${Math.round(OOD_PARAMETERS.fieldPm / OOD_PARAMETERS.pixelSizePm[0])} px): ${names.map((n, m) => `${n} ${(ms[m] / frames).toFixed(0)} ms`).join(', ')}`);
  return out;
}
