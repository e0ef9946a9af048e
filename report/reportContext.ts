/**
 * What every report section is built from, and the one way to add a section.
 *
 * A section is a {@link SectionBuilder}: an id (the HTML anchor), and a `build(ctx)` that returns
 * the section's HTML, or null when the run folder holds nothing for it (a section appears only when
 * it has content). The report's sections are the list `SECTIONS` in report/sectionList.ts, in page
 * order; to add one (strain, analytics, pooled kinetics, applicability, ...), write
 * `report/sections/<name>.ts` exporting a SectionBuilder and add it to that list. Builders read the
 * run folder through `ctx.folder` (report/runFolder.ts) and use the shared helpers: `ctx.time` for
 * times (seconds where the frame time is known, else frames, always labelled) and `ctx.pixelSizePm`
 * for lengths; images go through report/scaleBar.ts so that each carries a scale bar.
 */
import type { RunMetadata } from '../data/runMetadata.ts';
import type { PreloadedTables, RunFolder } from './runFolder.ts';
import type { Section } from './htmlPage.ts';

/** Options of the report (`buildReport`). */
export interface ReportOptions {
  /** Output file (default DIR/report.html). */
  out?: string;
  /** At most this many events get a table row (default 300) and particles a timeline (default 80). */
  maxEvents?: number;
  maxTimelines?: number;
  /**
   * Tables the caller already holds, exactly as the folder's CSV files hold them (data/csvTable.ts
   * canonicalTable: what readCsv gives back); used instead of reading and parsing those files again
   * (pipeline/analyzeMovie.ts passes its tables, so a long movie's atoms are not held twice).
   */
  tables?: PreloadedTables;
}


/** Times for display: seconds where the frame time is known, else frames. */
export interface TimeAxis {
  /** 's' or 'frames'. */
  unit: 's' | 'frames';
  /** Seconds per frame, or null when unknown. */
  frameTimeS: number | null;
  /** A duration given in frames, in `unit`. */
  of(frames: number): number;
  /** Axis title, e.g. 'dwell period (s)' or 'dwell period (frames)'. */
  title(what: string): string;
}

/** Everything a section builder gets. */
export interface ReportContext {
  folder: RunFolder;
  /** run.json chain, oldest step first (empty without run.json). */
  chain: RunMetadata[];
  /** State (class) names in matrix order. */
  stateNames: string[];
  /** Frames in the input (from run.json, else from the tables); 1 for a single image. */
  frameCount: number;
  /** Pixel size in pm, or null when unknown (lengths are then in px). */
  pixelSizePm: number | null;
  time: TimeAxis;
  options: ReportOptions;
}

/** One report section: its anchor id and how to build it. */
export interface SectionBuilder {
  /** HTML id of the section (unique in the page). */
  id: string;
  /**
   * Build the section.
   * @returns the section, or null when there is nothing to show
   * @throws AtomdynError when one of the files it reads is malformed (naming the file)
   */
  build(ctx: ReportContext): Section | null | Promise<Section | null>;
}

/**
 * The time axis for a frame time.
 * @param frameTimeS seconds per frame, or null/0 when unknown
 */
export function timeAxis(frameTimeS: number | null | undefined): TimeAxis {
  const ft = frameTimeS && frameTimeS > 0 ? frameTimeS : null;
  return {
    unit: ft ? 's' : 'frames',
    frameTimeS: ft,
    of: (frames) => (ft ? frames * ft : frames),
    title: (what) => `${what} (${ft ? 's' : 'frames'})`,
  };
}

/** The chain of run.json files, oldest step first. */
export function runChain(run: RunMetadata | null): RunMetadata[] {
  const out: RunMetadata[] = [];
  for (let r: RunMetadata | null | undefined = run; r; r = r.previous) out.unshift(r);
  return out;
}

/** The state name of a configurations.csv row (`state_name`, else `class<state>` for old files), null when unclassified. */
export function stateNameOf(r: Record<string, unknown>): string | null {
  if (typeof r.state !== 'number') return null;
  return r.state_name != null ? String(r.state_name) : `class${r.state}`;
}

/**
 * Build the context of a run folder.
 * @param folder what readRunFolder found
 */
export function reportContext(folder: RunFolder, options: ReportOptions = {}): ReportContext {
  const chain = runChain(folder.run);
  let stateNames: string[];
  if (folder.transitions) stateNames = folder.transitions.states as string[];
  else {
    const seen = new Map<number, string>();
    for (const r of folder.configurations?.rows ?? []) if (typeof r.state === 'number' && !seen.has(r.state)) seen.set(r.state, stateNameOf(r)!);
    stateNames = [...seen].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  }
  const frames = [...chain].reverse().map((r) => r.frames).find((f) => f);
  const src = folder.tracks ?? folder.atoms ?? folder.configurations;
  const frameCount = frames?.count ?? (src ? new Set(src.rows.map((r) => r.frame)).size : 1);
  const px = [...chain].reverse().map((r) => r.pixelSizePm?.value).find((v) => typeof v === 'number' && v > 0) ?? null;
  const ft = [...chain].reverse().map((r) => r.frameTimeS?.value).find((v) => typeof v === 'number' && v > 0) ?? (folder.transitions?.frame_time_s as number | null | undefined) ?? null;
  return { folder, chain, stateNames, frameCount, pixelSizePm: px, time: timeAxis(ft), options };
}
