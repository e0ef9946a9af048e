// The docs/api.md example: a movie -> atoms -> trajectories -> configurations -> transition matrix ->
// tables and report.html, through atomdyn's library API (plain Node.js, no TypeScript loader).
//   node api-example.mjs MOVIE OUT_DIR
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  openFrames, locate, trackAtoms, atomsFromTable, ConfigurationClassifier,
  stateSequencesFromTable, MarkovEstimator, writeCsv, writeJson, buildReport,
} from 'atomdyn';

const [movie, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const stack = await openFrames(movie); // TIFF, NumPy, HDF5/EMD/HSPY, DM3/DM4, PNG: frames read one at a time
try {
  // atoms with species in every frame (the shipped graphene-si U-Net); the pixel size and where it came from
  const { plan, table: atoms } = await locate(stack, { model: 'graphene-si', workers: 0 });
  const pixelSizePm = plan.pixel.pixelSizePm.value;
  console.log(`${atoms.rows.length} atoms at ${pixelSizePm?.toFixed(2)} pm/px (${plan.pixel.pixelSizePm.origin})`);

  // drift registered on the frames, atoms linked into particles
  const { tracks, drift } = await trackAtoms(atoms, { pixelSizePm, drift: 'frames' }, movie, stack);

  // local configuration of every Si in every frame: one fitted, reusable ConfigurationModel
  const { model, result } = await new ConfigurationClassifier({ centre: 'Si', seed: 0 })
    .fitPredict({ atoms: atomsFromTable(tracks, movie), pixelSizePm, frames: stack });
  const configurations = { columns: ['frame', 'particle', 'x', 'y', 'complex', 'formula', 'state', 'state_name', 'rotation', 'mirror', 'probability'], rows: result.rows };
  console.log(`classes: ${result.classes.map((c) => c.name).join(', ')}`);

  // Markov kinetics at lag 1 frame, with 95 % intervals
  const kinetics = new MarkovEstimator({ lag: 1, seed: 0 }).fit(stateSequencesFromTable(configurations, movie));
  kinetics.states.forEach((from, i) => console.log(`${from} -> ${kinetics.states.map((to, j) => `${to} ${kinetics.matrix[i][j].toFixed(2)}`).join(', ')}`));

  // files of docs/schema.md, then the report built from them
  await writeCsv(path.join(out, 'atoms.csv'), atoms);
  await writeCsv(path.join(out, 'tracks.csv'), tracks);
  await writeCsv(path.join(out, 'drift.csv'), drift);
  await writeCsv(path.join(out, 'configurations.csv'), configurations);
  await writeJson(path.join(out, 'model.json'), model.toJSON());
  await writeJson(path.join(out, 'transitions.json'), kinetics.toJSON());
  console.log(`report: ${await buildReport(out)}`);
} finally {
  await stack.close();
}
