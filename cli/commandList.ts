/**
 * The subcommands, each with its one-line summary and a loader, so that `atomdyn --help` and
 * `--version` answer without loading any subcommand, and `atomdyn CMD` loads only CMD's module
 * (cli/commands/CMD.ts). A test checks this list against the folder.
 */
import type { Command } from 'commander';

/** A subcommand module: cli/commands/<name>.ts. */
export interface CommandModule {
  /** Adds the subcommand (with its --help text) to the program. */
  register(program: Command): void;
}

/** One subcommand of the list. */
export interface CommandEntry {
  /** The subcommand's name (also its file name in cli/commands/). */
  name: string;
  /** Its arguments as the command list shows them. */
  args: string;
  /** One line for the command list. */
  summary: string;
  /** Imports the subcommand's module. */
  load(): Promise<CommandModule>;
}

/** Every subcommand, in the order `atomdyn --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'info', args: '[file]', summary: 'print shape, dtype, calibration and metadata of a microscope file, or the tensor backend in use', load: () => import('./commands/info.ts') },
  { name: 'simulate', args: '', summary: 'simulate HAADF-STEM images or movies of graphene with Si or MX2, with ground truth', load: () => import('./commands/simulate.ts') },
  { name: 'train', args: '', summary: 'train the U-Net atom segmenter on simulated images', load: () => import('./commands/train.ts') },
  { name: 'locate', args: '<input>', summary: 'find atoms and their species in every frame with the U-Net segmenter', load: () => import('./commands/locate.ts') },
  { name: 'track', args: '<atoms>', summary: 'link located atoms into trajectories through the sample drift', load: () => import('./commands/track.ts') },
  { name: 'classify', args: '<table>', summary: 'classify the local configuration around each dopant (formula, symmetry-aware class, orientation)', load: () => import('./commands/classify.ts') },
  { name: 'transitions', args: '<configurations.csv>', summary: 'Markov kinetics from classified configurations', load: () => import('./commands/transitions.ts') },
  { name: 'analyze', args: '[movie]', summary: 'the whole analysis of a movie (or of every movie of a manifest) in one command', load: () => import('./commands/analyze.ts') },
  { name: 'merge', args: '<root>', summary: 'pool the kinetics of many movie runs: summed counts, one matrix with intervals, do the movies agree?', load: () => import('./commands/merge.ts') },
  { name: 'queue', args: '<add|status>', summary: 'a job queue of movies on Redis (BullMQ) for workers on many machines', load: () => import('./commands/queue.ts') },
  { name: 'worker', args: '', summary: 'take movie jobs from the Redis queue and analyse each into ROOT/<id>/', load: () => import('./commands/worker.ts') },
  { name: 'strain', args: '<atoms>', summary: 'unit cells, strain and polarisation maps with error bars from an atoms table', load: () => import('./commands/strain.ts') },
  { name: 'unmix', args: '<image>', summary: 'sliding-window FFT maps of phases, grains and defects by PCA, NMF, N-FINDR or ICA unmixing', load: () => import('./commands/unmix.ts') },
  { name: 'crystallography', args: '<atoms>', summary: 'local crystallography: classes of atoms from their neighbour vectors (phases, variants, defects)', load: () => import('./commands/crystallography.ts') },
  { name: 'report', args: '<dir>', summary: 'build DIR/report.html from the files of a run folder', load: () => import('./commands/report.ts') },
  { name: 'demo', args: '', summary: 'simulate a short Si-in-graphene movie with known kinetics and analyse it', load: () => import('./commands/demo.ts') },
];
