/**
 * Report section "Known answer": when the input is a simulation with a truth file (the demo; the
 * path is run.json `truth`), the classes are matched to the simulator's true states (Hungarian
 * assignment on the confusion matrix), with agreement and adjusted Rand index, and the recovered
 * transition matrix is set against the true one the movie was simulated with (the simulate step's
 * run.json beside truth.csv, `parameters.movie.kinetics.model`), entry by entry with its error and
 * whether its 95 % interval covers the truth (evaluation/knownAnswer.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError } from '../../data/errors.ts';
import { readCsv } from '../../data/csvTable.ts';
import { readRunBeside } from '../../data/runMetadata.ts';
import { materialByName } from '../../models/materials.ts';
import { knownAnswer, type RecoveredMatrix, type StatePoint } from '../../evaluation/knownAnswer.ts';
import { esc, fmt } from '../htmlPage.ts';
import { stateNameOf, type ReportContext, type SectionBuilder } from '../reportContext.ts';

/** The truth file recorded in the run.json chain (newest first), or null. */
export function truthFile(ctx: ReportContext): string | null {
  for (const r of [...ctx.chain].reverse()) if (typeof r.truth === 'string' && r.truth) return r.truth;
  return null;
}

/** Present when run.json names a truth file. */
export const knownAnswerSection: SectionBuilder = {
  id: 'known-answer',
  build(ctx) {
    const file = truthFile(ctx);
    if (!file) return null;
    if (!existsSync(file)) return { id: 'known-answer', title: 'Known answer (simulation)', html: `<div class="warn">run.json names the truth file ${esc(file)}, which no longer exists: the known-answer check was skipped.</div>` };
    const truthTable = readCsv(file, ['frame', 'x', 'y', 'state']);
    const truth: StatePoint[] = truthTable.rows.filter((r) => r.in_view !== false).map((r) => ({ frame: Number(r.frame), x: Number(r.x), y: Number(r.y), state: String(r.state) }));
    const sim = readRunBeside(file);
    const model = (sim?.parameters?.movie as { kinetics?: { model?: { states: string[]; matrix: number[][] } } } | null | undefined)?.kinetics?.model ?? null;
    if (model && (!Array.isArray(model.states) || !Array.isArray(model.matrix))) throw new AtomdynError(path.join(path.dirname(file), 'run.json'), 'parameters.movie.kinetics.model needs states and matrix');
    const classified: StatePoint[] = [];
    for (const r of ctx.folder.configurations?.rows ?? []) {
      const name = stateNameOf(r);
      if (name !== null && typeof r.x === 'number' && typeof r.y === 'number') classified.push({ frame: Number(r.frame), x: r.x, y: r.y, state: name });
    }
    // the simulation's own pixel size (truth.csv has px and pm), else the run's
    const withPm = truthTable.rows.find((r) => typeof r.x_pm === 'number' && typeof r.x === 'number' && (r.x as number) > 0);
    const pxPm = withPm ? (withPm.x_pm as number) / (withPm.x as number) : ctx.pixelSizePm;
    const lattice = [...ctx.chain].reverse().map((r) => r.lattice).find((l) => l) ?? sim?.lattice ?? 'graphene';
    const bondPm = materialByName(lattice)?.bondPm ?? 142;
    const radiusPx = pxPm ? bondPm / pxPm : 10;
    const t = ctx.folder.transitions;
    const recovered: RecoveredMatrix | null = t ? { states: t.states as string[], matrix: t.matrix as number[][], ci_low: t.ci_low as Array<Array<number | null>>, ci_high: t.ci_high as Array<Array<number | null>>, lag: Number(t.lag ?? 1) } : null;
    const r = knownAnswer(classified, truth, radiusPx, recovered, model);
    const parts: string[] = [];
    parts.push(`<p>Input simulated with known states and kinetics: truth file <code>${esc(file)}</code>. ${r.matched} classified centres were matched to a true dopant of the same frame within one bond length (${fmt(bondPm, 3)} pm); ${r.unmatchedClassified} classified centres had no true dopant there, ${r.missedTruth} true dopant observations were not classified.</p>`);
    parts.push(`<p id="known-answer-scores" data-agreement="${Number.isFinite(r.agreement) ? r.agreement : ''}" data-ari="${Number.isFinite(r.ari) ? r.ari : ''}"><b>Agreement ${Number.isFinite(r.agreement) ? `${fmt(100 * r.agreement, 1)} %` : '–'}</b> (centres whose class is assigned to their true state); <b>adjusted Rand index ${fmt(r.ari, 3)}</b> (1 = the same partition, 0 = chance).</p>`);
    const head = `<tr><th class="text">class</th><th class="text">assigned true state</th>${r.trueStates.map((s) => `<th>${esc(s)}</th>`).join('')}</tr>`;
    const rows = r.classes.map((c, i) => `<tr data-class="${esc(c)}" data-assigned="${esc(r.assignment[i] ?? '')}"><th class="text">${esc(c)}</th><td class="text">${r.assignment[i] ? esc(r.assignment[i]) : '<span class="note">none (more classes than true states)</span>'}</td>${r.confusion[i].map((n, j) => `<td${r.assignment[i] === r.trueStates[j] ? ' class="match"' : ''}>${n}</td>`).join('')}</tr>`).join('');
    parts.push(`<h3>Classes against true states</h3><table id="known-answer-confusion">${head}${rows}</table><p class="note">Counts of matched centres; classes are assigned to true states by the Hungarian algorithm (maximum total agreement, one state per class).</p>`);
    if (r.entries.length) {
      const covered = r.entries.filter((e) => e.covered).length;
      const maxErr = Math.max(...r.entries.map((e) => Math.abs(e.error)));
      const er = r.entries.map((e) => `<tr data-from="${esc(e.from)}" data-to="${esc(e.to)}" data-truth="${e.truth}" data-estimate="${e.estimate}" data-covered="${e.covered}"><td class="text">${esc(e.from)} → ${esc(e.to)}</td><td class="text">${esc(e.trueFrom)} → ${esc(e.trueTo)}</td><td>${fmt(e.truth)}</td><td>${fmt(e.estimate)}</td><td>[${fmt(e.ciLow)}, ${fmt(e.ciHigh)}]</td><td>${e.error >= 0 ? '+' : ''}${fmt(e.error)}</td><td class="${e.covered ? 'ok' : 'bad'}">${e.covered ? 'yes' : 'no'}</td></tr>`).join('');
      parts.push(`<h3>Recovered against true transition matrix</h3><p id="known-answer-coverage" data-covered="${covered}" data-compared="${r.entries.length}">${covered} of ${r.entries.length} 95 % intervals cover the true value (about 95 % expected when classes and states agree); largest error ${fmt(maxErr)}.</p><table id="known-answer-matrix"><tr><th class="text">transition (classes)</th><th class="text">true states</th><th>true P</th><th>recovered P</th><th>95 % interval</th><th>error</th><th>covered</th></tr>${er}</table><p class="note">True P is the simulated per-frame matrix raised to the lag τ = ${recovered?.lag ?? 1}. Only transitions between classes assigned to a true state are compared.</p>`);
    } else if (!model) parts.push('<p class="note">The simulation\'s run.json holds no transition model: only the classes are compared.</p>');
    else if (!recovered) parts.push('<p class="note">No transitions.json: only the classes are compared.</p>');
    return { id: 'known-answer', title: 'Known answer (simulation)', html: parts.join('\n') };
  },
};
