/**
 * `atomdyn report <DIR>`: (re)build DIR/report.html from the step files in a run folder
 * (report/buildReport.ts). One self-contained page that opens offline.
 */
import type { Command } from 'commander';
import { buildReport } from '../../report/buildReport.ts';

export function register(program: Command): void {
  program
    .command('report')
    .summary('build DIR/report.html from the files of a run folder')
    .description(
      'build DIR/report.html from the files of a run folder (atoms.csv, tracks.csv, drift.csv, configurations.csv, ' +
        'transitions.json, events.csv, hops.csv, model.json, run.json, PNG figures): one self-contained page with calibration, ' +
        'overlays with scale bars (pm, nm; px where the pixel size is unknown), a map of every dopant track over the drift-corrected ' +
        'mean frame (colour = time, hops ringed), drift, classes named by their dominant configuration with purity and the BIC ' +
        'curve, the transition matrix with intervals, timelines, dwell times (s where the frame time is known, else frames), ' +
        'implied timescales, events with crops (centre atom ringed, bonds drawn) and the commands to reproduce. When run.json ' +
        'names a simulation truth file (atomdyn demo, or analyze of a simulated movie), a known-answer section compares classes ' +
        'and matrix with the truth. Sections without content are left out (a single image has no drift or kinetics).',
    )
    .argument('<dir>', 'run folder (the --out folder of analyze or of any step)')
    .option('--out <file>', 'write the page here instead of DIR/report.html')
    .action(async (dir: string, opts: { out?: string }) => {
      const file = await buildReport(dir, { out: opts.out });
      process.stdout.write(`report: ${file}\n`);
    });
}
