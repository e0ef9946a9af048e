/**
 * The run report: one self-contained HTML page (DIR/report.html) built from whatever step files a
 * run folder holds. The sections (report/sectionList.ts, each in report/sections/) appear only when
 * they have content: input summary and calibration, the known-answer check of a simulation, atoms
 * and overlays, the trajectory map, drift, classes with purity and the BIC curve, the transition
 * matrix with intervals, timelines, dwell times, implied timescales, events with crops, and the
 * commands that reproduce the run. Images are inlined as data URIs (with scale bars) and charts as
 * static SVG, so the page opens offline. A run without any dopant centre (e.g. a pristine lattice)
 * still gets atoms, tracks and drift, and says plainly that no configurations were found.
 */
import path from 'node:path';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import { finalPath } from '../data/runFolder.ts';
import { page, type Section } from './htmlPage.ts';
import { readRunFolder } from './runFolder.ts';
import { reportContext, type ReportOptions } from './reportContext.ts';
import { SECTIONS } from './sectionList.ts';
import { collectGarbageIfGrown } from '../data/memory.ts';

export type { ReportOptions } from './reportContext.ts';

/**
 * Build DIR/report.html from the files in DIR.
 * @param runDir run folder
 * @param opts output path, table limits and the tables already in memory
 * @returns the path of the written report
 * @throws AtomdynError when the folder does not exist or one of its files is malformed
 */
export async function buildReport(runDir: string, opts: ReportOptions = {}): Promise<string> {
  const f = readRunFolder(runDir, opts.tables);
  const ctx = reportContext(f, opts);
  const sections: Section[] = [];
  for (const s of SECTIONS) {
    const built = await s.build(ctx);
    if (built) sections.push(built);
    // the sections' garbage (row objects of long tables, chart specs) goes before the next allocates: on a
    // 600-frame run the report step peaked 56 MiB lower (one run), at 4 collections on a 60-frame one
    collectGarbageIfGrown();
  }
  const chain = ctx.chain;
  const source = chain[chain.length - 1]?.source ?? chain[0]?.source;
  const title = `atomdyn report: ${source ? path.basename(source) : path.basename(finalPath(f.dir))}`;
  const subtitle = `${chain.length ? chain.map((r) => r.step).join(' → ') : 'run'} · built ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const out = path.resolve(opts.out ?? path.join(f.dir, 'report.html'));
  await writeFileAtomic(out, page(title, subtitle, sections));
  return out;
}
