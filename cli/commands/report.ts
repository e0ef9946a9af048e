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
        'transitions.json, events.csv, run.json, PNG figures): one self-contained page with calibration, atoms and tracks, ' +
        'drift, classes, the transition matrix with intervals, timelines, dwell times, implied timescales, events and the commands to reproduce',
    )
    .argument('<dir>', 'run folder (the --out folder of analyze or of any step)')
    .option('--out <file>', 'write the page here instead of DIR/report.html')
    .action(async (dir: string, opts: { out?: string }) => {
      const file = await buildReport(dir, { out: opts.out });
      process.stdout.write(`report: ${file}\n`);
    });
}
