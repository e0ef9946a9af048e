/**
 * The `atomdyn` command line. Thin: each subcommand lives in cli/commands/<name>.ts, exports
 * `register(program)`, parses its flags, calls one library function and writes files.
 * Subcommand files are discovered at start-up, so adding a step means adding one file.
 */
import { Command, CommanderError } from 'commander';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AtomdynError, oneLine } from '../data/errors.ts';
import { versions } from '../data/runMetadata.ts';
import { internalErrorLine } from './errorReport.ts';

/** A subcommand module: cli/commands/<name>.ts. */
export interface CommandModule {
  /** Adds the subcommand (with its --help text) to the program. */
  register(program: Command): void;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Build the commander program with every subcommand registered. */
export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('atomdyn')
    .description(
      'From atomically resolved STEM movies to atomic dynamics.\n' +
        'Reads microscope files (TIFF, NumPy, HDF5/EMD/HSPY, DM3/DM4, PNG/JPEG), finds atoms with a U-Net,\n' +
        'tracks them, classifies local configurations and estimates transition probabilities.\n' +
        'Coordinates: x = column, y = row, pixel centres at integers; lengths in pm where calibrated.',
    )
    .version(versions().atomdyn ?? 'unknown')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const dir = path.join(here, 'commands');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as CommandModule;
    mod.register(program);
  }
  for (const c of program.commands) {
    c.exitOverride();
    // the command list shows a one-line summary; `atomdyn CMD --help` keeps the full description
    const d = c.description();
    if (!c.summary() && d.length > 90) c.summary(d.split(/[.:](\s|$)/)[0].replace(/\s+/g, ' ').slice(0, 120));
  }
  return program;
}

let strayHandlers = false;

/**
 * An error thrown outside the command's promise (an event handler, a stream) ends the process the
 * same way as one inside it: one line, a log file, exit code 1 (2 for an AtomdynError).
 */
function catchStrayErrors(argv: string[]): void {
  if (strayHandlers) return;
  strayHandlers = true;
  const stop = (e: unknown): void => {
    if (e instanceof AtomdynError) {
      process.stderr.write(`atomdyn: ${oneLine(e.message)}\n`);
      process.exit(2);
    }
    process.stderr.write(`${internalErrorLine(e, argv)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', stop);
  process.on('unhandledRejection', stop);
}

/**
 * Run the CLI. Returns the process exit code: 0 success, 2 bad input (one-line message), 1 a bug
 * (one line; the stack goes to a log file, see cli/errorReport.ts). Set ATOMDYN_DEBUG=1 to print stacks too.
 */
export async function main(argv: string[]): Promise<number> {
  catchStrayErrors(argv);
  try {
    const program = await buildProgram();
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    if (e instanceof AtomdynError) {
      process.stderr.write(`atomdyn: ${oneLine(e.message)}\n`);
      if (process.env.ATOMDYN_DEBUG) process.stderr.write(`${e.stack}\n${e.cause ? String((e.cause as Error).stack ?? e.cause) : ''}\n`);
      return 2;
    }
    process.stderr.write(`${internalErrorLine(e, argv)}\n`);
    if (process.env.ATOMDYN_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
