/**
 * The `atomdyn` command line. Thin: each subcommand lives in cli/commands/<name>.ts, exports
 * `register(program)`, parses its flags, calls one library function and writes files.
 * Subcommands are listed in cli/commandList.ts; `--help`, `--version` and `atomdyn CMD` load only what
 * they need (no subcommand, or CMD alone), so the command answers at once.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AtomdynError, ModelNotApplicableError, oneLine } from '../data/errors.ts';
import { packageRoot } from '../data/packagePaths.ts';
import { COMMANDS } from './commandList.ts';
import { internalErrorLine } from './errorReport.ts';
import { cliMessage, flagTable } from './optionFlags.ts';

export type { CommandModule } from './commandList.ts';

/** The program without subcommands: name, description, version, error handling. */
function baseProgram(): Command {
  return new Command()
    .name('atomdyn')
    .description(
      'From atomically resolved STEM movies to atomic dynamics.\n' +
        'Reads microscope files (TIFF, NumPy, HDF5/EMD/HSPY, DM3/DM4, PNG/JPEG), finds atoms with a U-Net,\n' +
        'tracks them, classifies local configurations and estimates transition probabilities.\n' +
        'Coordinates: x = column, y = row, pixel centres at integers; lengths in pm where calibrated.',
    )
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/** Build the commander program with every subcommand registered (analyze and demo run steps through it). */
export async function buildProgram(): Promise<Command> {
  const program = baseProgram();
  for (const entry of COMMANDS) (await entry.load()).register(program);
  for (const c of program.commands) {
    c.exitOverride();
    // the command list shows a one-line summary; `atomdyn CMD --help` keeps the full description
    const d = c.description();
    if (!c.summary() && d.length > 90) c.summary(d.split(/[.:](\s|$)/)[0].replace(/\s+/g, ' ').slice(0, 120));
  }
  return program;
}

let strayHandlers = false;
/** The flags of the command that runs, for errors thrown outside its promise. */
let strayFlags = new Map<string, string>();

/**
 * An error thrown outside the command's promise (an event handler, a stream) ends the process the
 * same way as one inside it: one line, a log file, exit code 1 (2 for an AtomdynError).
 */
function catchStrayErrors(argv: string[]): void {
  if (strayHandlers) return;
  strayHandlers = true;
  const stop = (e: unknown): void => {
    if (e instanceof AtomdynError) {
      process.stderr.write(`atomdyn: ${oneLine(cliMessage(e, strayFlags))}\n`);
      process.exit(2);
    }
    process.stderr.write(`${internalErrorLine(e, argv)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', stop);
  process.on('unhandledRejection', stop);
}

/**
 * Run the CLI. Returns the process exit code: 0 success, 2 bad input (one-line message), 3 the model
 * does not apply to the input under `--strict` (inference/applicability.ts), 1 a bug (one line; the
 * stack goes to a log file, see cli/errorReport.ts). Set ATOMDYN_DEBUG=1 to print stacks too.
 */
export async function main(argv: string[]): Promise<number> {
  catchStrayErrors(argv);
  let program: Command | null = null;
  try {
    program = await programFor(argv.slice(2));
    strayFlags = flagTable(program);
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    if (e instanceof AtomdynError) {
      // library errors name options (searchRange); the command line's are its flags (--search-range)
      process.stderr.write(`atomdyn: ${oneLine(cliMessage(e, program ? flagTable(program) : new Map()))}\n`);
      if (process.env.ATOMDYN_DEBUG) process.stderr.write(`${e.stack}\n${e.cause ? String((e.cause as Error).stack ?? e.cause) : ''}\n`);
      return e instanceof ModelNotApplicableError ? e.exitCode : 2;
    }
    process.stderr.write(`${internalErrorLine(e, argv)}\n`);
    if (process.env.ATOMDYN_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

/** atomdyn's version, from its package.json. */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The program for one command line: with a subcommand (`atomdyn CMD ...` or `atomdyn help CMD`) only
 * that subcommand is loaded; otherwise (`--help`, `--version`, no or an unknown command) the list
 * shows each subcommand's summary without loading any.
 */
async function programFor(args: string[]): Promise<Command> {
  const name = args[0] === 'help' ? args[1] : args[0];
  const entry = COMMANDS.find((c) => c.name === name);
  const program = baseProgram();
  if (entry) {
    (await entry.load()).register(program);
    for (const c of program.commands) c.exitOverride();
    return program;
  }
  for (const c of COMMANDS) {
    program.command(c.args ? `${c.name} ${c.args}` : c.name).summary(c.summary).allowUnknownOption().allowExcessArguments().exitOverride();
  }
  return program;
}
