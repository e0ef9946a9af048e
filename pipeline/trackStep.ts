/**
 * The `track` step as one library call into a run folder: drift registration (on the open movie's
 * frames or on the coordinates), linking and per-trajectory quantities (dynamics/tracking/trackAtoms.ts),
 * written as DIR/tracks.csv, drift.csv, drift.png, hops.csv, msd.csv (docs/schema.md), optionally
 * graph.json, and DIR/run.json. `atomdyn track` parses its flags and calls {@link trackStep};
 * {@link analyzeMovie} calls it on the atoms table in memory and the movie it opened once.
 */
import path from 'node:path';
import { writeCsv } from '../data/csvTable.ts';
import type { Table } from '../data/csvTable.ts';
import { AtomdynError } from '../data/errors.ts';
import { writeFileAtomic } from '../data/atomicWrite.ts';
import type { FrameStack } from '../data/frameStack.ts';
import { resolvePixelSize } from '../data/pixelSize.ts';
import { finalPaths, withRunFolder } from '../data/runFolder.ts';
import { newRun, type RunMetadata, type Sourced } from '../data/runMetadata.ts';
import { silentProgress, type ProgressSink } from '../data/progress.ts';
import { trackAtoms, type TrackOptions, type TrackResult } from '../dynamics/tracking/trackAtoms.ts';
import { buildTrajectoryGraph } from '../dynamics/tracking/trajectoryGraph.ts';
import { writeDriftPlot } from '../report/driftPlot.ts';
import { defectsFromSites, defectTrackRows, driftByFrame, trackDefects } from '../dynamics/tracking/defectTracks.ts';
import { asWritten, type StepOutput } from './stepOutput.ts';

/** Options of {@link trackStep}: those of {@link trackAtoms} and what the step adds. */
export interface TrackStepOptions extends Omit<TrackOptions, 'pixelSizePm'> {
  /**
   * The pixel size with its origin; default: the previous run.json's, else the movie's
   * (data/pixelSize.ts precedence). Lengths in the options are px either way.
   */
  pixelSize?: Sourced<number>;
  /** Also write graph.json: the tracks as a graphology graph. Default false. */
  graph?: boolean;
  /**
   * MX2 point defects to link as particles of species `defect` (dynamics/tracking/defectTracks.ts):
   * locate's sites.csv table (columns frame, x, y, sublattice, defect) and its path for messages.
   * Their rows are appended to tracks.csv with particle ids after the atoms'.
   */
  defectSites?: { table: Table; source: string } | null;
  progress?: ProgressSink;
}

/** What {@link trackStep} returns. */
export interface TrackStepResult {
  /** The tables and settings of {@link trackAtoms}. */
  result: TrackResult;
  /** run.json as written (paths final, `complete: true`). */
  run: RunMetadata;
}

/** The model card's dopants in a run.json (`model.card.dopants`), when it lists any. */
export function cardDopants(run: RunMetadata | null | undefined): string[] | undefined {
  const card = run?.model?.card as { dopants?: unknown } | undefined;
  return Array.isArray(card?.dopants) ? card!.dopants.filter((d): d is string => typeof d === 'string') : undefined;
}

/**
 * Track the atoms of `atoms` and write the step's files into a fresh run folder at `output.out`.
 * Defaults from the previous run.json (`output.previous`, locate's): the pixel size, the model card's
 * dopants and the frame height.
 *
 * @param atoms the atoms table (columns frame, x, y; species optional; others carried through)
 * @param options see {@link TrackStepOptions}; lengths in px
 * @param frames the movie (required when `drift` is 'frames'; not closed here), or null
 * @param output where and how to write; `source` names the atoms table in messages
 * @returns the track tables and run.json as written
 * @throws AtomdynError naming the option (`frames` when the movie's size differs from the atoms'
 *   frames, `scanDriftFraction`, `searchRange`) or the table
 */
export async function trackStep(atoms: Table, options: TrackStepOptions, frames: FrameStack | null, output: StepOutput): Promise<TrackStepResult> {
  const previous = output.previous ?? null;
  const pixel: Sourced<number> = options.pixelSize ?? resolvePixelSize({ runJson: previous?.pixelSizePm, file: frames?.calibration.pixelSizePm });
  const px = pixel.value ?? null;
  if (frames && previous?.frames && (previous.frames.width !== frames.width || previous.frames.height !== frames.height)) {
    throw AtomdynError.forOption('frames', `the movie is ${frames.width}x${frames.height} px but the atoms were located on ${previous.frames.width}x${previous.frames.height} px frames`);
  }
  const { graph, pixelSize: _pixel, progress, defectSites, ...rest } = options;
  const opts: TrackOptions = {
    ...rest,
    pixelSizePm: px,
    modelCardDopants: options.modelCardDopants ?? cardDopants(previous),
    frameHeight: options.frameHeight ?? frames?.height ?? previous?.frames?.height ?? null,
  };
  const source = output.source ?? 'atoms.csv';
  return withRunFolder(output.out, { inputs: output.inputs, overwrite: output.overwrite }, async (folder) => {
    const result = await trackAtoms(atoms, opts, source, frames, progress ?? silentProgress);
    if (defectSites) {
      const { defects, latticeConstantPx } = defectsFromSites(defectSites.table, defectSites.source);
      let first = 0;
      for (const r of result.tracks.rows) if (typeof r.particle === 'number' && r.particle >= first) first = r.particle + 1;
      const linked = trackDefects(defects, { drift: driftByFrame(result.drift), latticeConstantPx, memory: opts.memory, firstParticle: first });
      result.tracks.rows.push(...defectTrackRows(defects, linked, result.tracks.columns, px));
      result.parameters.defects = { sites: defectSites.source, detections: defects.length, particles: linked.particleCount, searchRangePx: Number((1.2 * latticeConstantPx).toFixed(3)), firstParticle: first };
    }
    const out = folder.dir;
    await writeCsv(path.join(out, 'tracks.csv'), result.tracks);
    await writeCsv(path.join(out, 'drift.csv'), result.drift);
    await writeCsv(path.join(out, 'hops.csv'), result.hops);
    await writeCsv(path.join(out, 'msd.csv'), result.msd);
    await writeDriftPlot(path.join(out, 'drift.png'), result.driftTrack, { pixelSizePm: px });
    const outputs = ['tracks.csv', 'drift.csv', 'drift.png', 'hops.csv', 'msd.csv'];
    if (graph) {
      const rows = result.tracks.rows;
      const g = buildTrajectoryGraph(
        {
          frame: rows.map((r) => r.frame as number),
          x: rows.map((r) => r.x_corr as number),
          y: rows.map((r) => r.y_corr as number),
          particle: rows.map((r) => r.particle as number),
          species: rows.map((r) => (r.particle_species as string | null) ?? null),
        },
        { hopThreshold: result.parameters.hopThresholdPx as number },
      );
      await writeFileAtomic(path.join(out, 'graph.json'), JSON.stringify(g.export()) + '\n');
      outputs.push('graph.json');
    }
    const run = newRun('track', output.command, previous);
    run.inputs = [path.resolve(source), ...(frames ? [path.resolve(frames.path)] : []), ...(defectSites ? [path.resolve(defectSites.source)] : [])];
    if (!run.source && frames) run.source = path.resolve(frames.path);
    if (!run.frames && frames) run.frames = { count: frames.count, height: frames.height, width: frames.width };
    run.pixelSizePm = pixel;
    run.parameters = { ...result.parameters, summary: result.summary };
    run.outputs = outputs;
    run.warnings = result.warnings;
    await folder.commit(run);
    return { result, run: asWritten(finalPaths(run)) };
  });
}
