/**
 * The report of `atomdyn merge` (pooled.json, docs/schema.md) as one self-contained HTML page:
 * what every entry rests on (movies, observed frames, transitions), the agreement of the movies
 * (homogeneity G-tests, per movie and per group), the pooled kinetics (transition matrix with
 * intervals, stationary distribution, rates) and each movie's matrix beside it. Built from the
 * JSON alone, so it can be rebuilt from a merge folder. Uses the report's page frame and matrix
 * table (htmlPage.ts, matrixTable.ts).
 */
import { esc, fmt, keyValues, page, type Section } from './htmlPage.ts';
import { stateTable, transitionMatrixTable } from './matrixTable.ts';

type Json = Record<string, unknown>;
type Num = number | null;

/** A p-value for display, with the verdict at the 1 % level. */
function pText(p: Num): string {
  if (p === null) return '–';
  return `${p < 1e-4 ? p.toExponential(1) : p.toFixed(4)}${p < 0.01 ? ' <strong>(differs, p &lt; 0.01)</strong>' : ''}`;
}

/** Table of members (movies or groups) with their amounts of data and their test against the others. */
function memberTable(members: Json[], what: string, tableId: string): string {
  const rows = members.map((m) => `<tr data-id="${esc(m.id)}" data-p="${m.p_value ?? ''}"><th class="text">${esc(m.id)}</th><td>${fmt(m.movies)}</td><td>${fmt(m.n_trajectories)}</td><td>${fmt(m.n_observed_frames)}</td><td>${fmt(m.n_pairs)}</td><td>${fmt(m.lag_frames)}</td><td>${fmt(m.g, 2)}</td><td>${fmt(m.df)}</td><td>${pText(m.p_value as Num)}</td><td>${pText(m.p_holm as Num)}</td></tr>`).join('\n');
  return `<table id="${esc(tableId)}"><tr><th class="text">${esc(what)}</th><th>movies</th><th>particles</th><th>observed frames</th><th>transitions counted</th><th>lag (frames)</th><th>G</th><th>df</th><th>p (against all others)</th><th>p (Holm)</th></tr>\n${rows}</table>`;
}

/** Rates table (cross-sections with intervals), or a note. */
function ratesHtml(states: string[], rates: Json | null, notes: string[]): string {
  if (!rates) return `<p class="note">No pooled rates. ${esc(notes.filter((n) => n.startsWith('pooled')).join(' '))}</p>`;
  const cs = rates.cross_section_barn as Num[][], lo = rates.cross_section_ci_low as Num[][], hi = rates.cross_section_ci_high as Num[][];
  const rows = states.map((from, i) => `<tr><th class="text">${esc(from)}</th>${states.map((_, j) => (i === j ? '<td>–</td>' : `<td>${fmt(cs[i][j])} [${fmt(lo[i][j])}, ${fmt(hi[i][j])}]</td>`)).join('')}</tr>`).join('\n');
  return `<p>Electron flux ${fmt(rates.flux_e_per_A2_s)} e<sup>−</sup>/Å²/s. Cross-sections in barn [95 % interval], row → column:</p><table id="cross-sections"><tr><th class="text">from \\ to</th>${states.map((s) => `<th>${esc(s)}</th>`).join('')}</tr>\n${rows}</table>`;
}

/**
 * The merge report.
 * @param doc pooled.json content ({@link pooledToJSON} of dynamics/kinetics/pooledKinetics.ts)
 * @param opts.title page title (default 'Pooled kinetics'); opts.command the command line to show
 * @returns the HTML page
 */
export function pooledKineticsPage(doc: Json, opts: { title?: string; command?: string } = {}): string {
  const model = doc.model as Json;
  const states = doc.states as string[];
  const movies = doc.movies as Json[];
  const groups = (doc.groups as Json[]) ?? [];
  const notes = (doc.notes as string[]) ?? [];
  const hom = doc.homogeneity as Json;
  const ghom = doc.group_homogeneity as Json;
  const lagS = doc.lag_time_s as Num;
  const sections: Section[] = [];
  sections.push({
    id: 'summary', title: 'What the pooled model rests on',
    html: keyValues([
      ['movies', fmt(movies.length)],
      ['particles (trajectories)', fmt(model.n_trajectories)],
      ['observed (particle, frame) pairs', fmt(model.n_observed_frames)],
      ['transitions counted (pairs at the lag)', fmt(model.n_pairs)],
      ['lag time', `${lagS === null ? '' : `${fmt(lagS)} s = `}${esc([...new Set(Object.values(doc.lag_frames as Record<string, number>))].join(' or '))} frame(s)`],
      ['states', esc(states.join(', '))],
    ]) + (opts.command ? `<pre class="cmd">${esc(opts.command)}</pre>` : '') + notes.map((n) => `<p class="warn">${esc(n)}</p>`).join(''),
  });
  sections.push({
    id: 'agreement', title: 'Do the movies agree?',
    html: `<p id="homogeneity" data-g="${hom.g}" data-df="${hom.df}" data-p="${hom.p_value ?? ''}">All ${movies.length} movies share one transition matrix? Likelihood-ratio (G) test of homogeneity (Anderson &amp; Goodman 1957) on the counts behind the error bars: G = ${fmt(hom.g, 2)}, df = ${fmt(hom.df)}, p = ${pText(hom.p_value as Num)}.</p>` +
      `<p class="note">Each movie is tested against all the other movies together; p (Holm) corrects for testing every movie. A small p means that movie's transitions do not follow the others' matrix (other kinetics, another dose rate, a misclassified movie).</p>` +
      memberTable(movies, 'movie', 'movie-table') +
      (doc.group_by ? `<h3>Groups by ${esc(doc.group_by)}</h3><p id="group-homogeneity" data-p="${ghom.p_value ?? ''}">All groups share one matrix? G = ${fmt(ghom.g, 2)}, df = ${fmt(ghom.df)}, p = ${pText(ghom.p_value as Num)}.</p>` + memberTable(groups, String(doc.group_by), 'group-table') : ''),
  });
  sections.push({
    id: 'pooled', title: 'Pooled kinetics',
    html: `<p>Transition matrix from the counts of all movies summed (trajectories never cross movies).</p>${transitionMatrixTable(model)}${stateTable(model)}<h3>Rates per dose</h3>${ratesHtml(states, doc.rates as Json | null, notes)}`,
  });
  const per = (list: Json[], kind: string) => list.map((m) => `<h3>${esc(kind)} ${esc(m.id)}</h3>` + transitionMatrixTable({ states, matrix: m.matrix, counts: m.counts, ci_low: m.ci_low, ci_high: m.ci_high, ci_level: model.ci_level, lag: m.lag_frames, counting: model.counting })
    .replace('id="transition-matrix"', `id="transition-matrix-${esc(kind)}-${esc(m.id)}"`)).join('\n');
  sections.push({ id: 'per-movie', title: 'Per-movie matrices', html: per(movies, 'movie') });
  if (groups.length) sections.push({ id: 'per-group', title: 'Per-group matrices', html: per(groups, 'group') });
  return page(opts.title ?? 'Pooled kinetics', `${movies.length} movies, ${model.n_pairs} transitions counted`, sections);
}
