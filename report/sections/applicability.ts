/**
 * Report section "Does the model apply?": the locate step's verdict (run.json `applicability`,
 * docs/schema.md: inference/applicability.ts), its reason, and the share of the lattice's columns and
 * area without detections (inference/latticeMask.ts). Absent when the run has no locate step with a verdict.
 */
import { esc, fmt } from '../htmlPage.ts';
import type { SectionBuilder } from '../reportContext.ts';

interface ApplicabilityJson {
  applicable: boolean | 'unknown';
  reason: string;
  model: string;
  missedLattice?: { meanUncoveredShare: number | null; maxUncoveredShare: number | null; meanMissedColumnShare?: number | null; maxMissedColumnShare?: number | null; threshold: number; flaggedFrames: number[] };
}

/** Present when the locate step recorded a verdict. */
export const applicabilitySection: SectionBuilder = {
  id: 'applicability',
  build({ chain }) {
    const loc = chain.find((r) => r.step === 'locate');
    const a = loc?.applicability as ApplicabilityJson | undefined;
    if (!a) return null;
    const verdict = a.applicable === true ? 'yes' : a.applicable === false ? '<strong>no</strong>' : 'unknown';
    const rows: Array<[string, string]> = [
      [`model ${esc(a.model)} applies`, verdict],
      ['why', esc(a.reason)],
    ];
    const ml = a.missedLattice;
    if (ml && ml.meanUncoveredShare !== null) {
      if (ml.meanMissedColumnShare != null) rows.push(['lattice columns not detected', `${fmt(100 * ml.meanMissedColumnShare, 1)} % (largest ${fmt(100 * (ml.maxMissedColumnShare ?? 0), 1)} %)`]);
      rows.push(['lattice area without a detected column nearby', `${fmt(100 * ml.meanUncoveredShare, 1)} % (largest ${fmt(100 * (ml.maxUncoveredShare ?? 0), 1)} %)`]);
      rows.push([`frames above ${fmt(100 * ml.threshold, 0)} %`, ml.flaggedFrames.length ? `${esc(ml.flaggedFrames.join(', '))} (uncovered lattice tinted magenta on their overlays)` : 'none']);
    }
    return { id: 'applicability', title: 'Does the model apply?', html: `<table>${rows.map(([k, v]) => `<tr><th class="text">${k}</th><td class="text">${v}</td></tr>`).join('')}</table>` };
  },
};
