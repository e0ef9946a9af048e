/** Report section "Input and calibration": source, frames, pixel size and frame time with their origins, steps, warnings. */
import { finalPath } from '../../data/runFolder.ts';
import { columnGetter } from '../../data/columnTable.ts';
import { esc, fmt, keyValues } from '../htmlPage.ts';
import type { SectionBuilder } from '../reportContext.ts';

function sourced(s: { value: unknown; origin: string; note?: string } | undefined, unit: string): string {
  if (!s || s.value === null || s.value === undefined) return '<span class="note">unknown</span>';
  return `${fmt(s.value as number, 4)} ${esc(unit)} <span class="note">(${esc(s.origin)}${s.note ? `: ${esc(s.note)}` : ''})</span>`;
}

/** Always present. */
export const summarySection: SectionBuilder = {
  id: 'summary',
  build({ folder: f, chain, frameCount }) {
    const first = chain[0];
    const last = chain[chain.length - 1];
    const rows: Array<[string, string]> = [];
    rows.push(['run folder', esc(finalPath(f.dir))]);
    if (last) {
      rows.push(['source', esc(last.source ?? first?.source ?? 'unknown')]);
      const fr = last.frames ?? first?.frames;
      rows.push(['frames', fr ? `${fr.count} × ${fr.height} × ${fr.width} (frames × rows × columns)` : '<span class="note">unknown</span>']);
      rows.push(['pixel size', sourced(last.pixelSizePm, 'pm')]);
      if (!fr || fr.count > 1) rows.push(['frame time', sourced(last.frameTimeS, 's')]);
      if (fr && last.pixelSizePm?.value) rows.push(['field of view', `${fmt((fr.width * last.pixelSizePm.value) / 1000, 2)} × ${fmt((fr.height * last.pixelSizePm.value) / 1000, 2)} nm`]);
      if (last.lattice) rows.push(['lattice', esc(last.lattice)]);
      if (last.model) rows.push(['model', esc(last.model.name)]);
      const sp = Object.entries(last.species ?? {});
      if (sp.length) rows.push(['species', sp.map(([k, v]) => `${esc(k)} → ${esc(v)}`).join(', ')]);
      const backend = chain.map((r) => r.backend).find((b) => b);
      if (backend) rows.push(['tensor backend', esc(backend)]);
      rows.push(['steps', chain.map((r) => esc(r.step)).join(' → ')]);
      rows.push(['versions', Object.entries(last.versions ?? {}).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')]);
    } else rows.push(['run.json', '<span class="note">absent: calibration unknown</span>']);
    const counts: string[] = [];
    if (f.atoms) counts.push(`${f.atoms.rows.length} atom detections`);
    if (f.tracks && frameCount > 1) {
      const particle = columnGetter(f.tracks, 'particle'); // by column: a long table's rows are not made
      const ids = new Set<unknown>();
      for (let i = 0; i < f.tracks.rows.length; i++) ids.add(particle(i));
      counts.push(`${ids.size} trajectories`);
    }
    if (f.configurations) counts.push(`${f.configurations.rows.length} classified configurations`);
    if (f.events) counts.push(`${f.events.rows.length} transition events`);
    if (counts.length) rows.push(['found', esc(counts.join(', '))]);
    const warnings = chain.flatMap((r) => (r.warnings ?? []).map((w) => `${r.step}: ${w}`));
    const warnHtml = [...new Set(warnings)].map((w) => `<div class="warn">${esc(w)}</div>`).join('');
    return { id: 'summary', title: 'Input and calibration', html: keyValues(rows) + warnHtml };
  },
};
