/**
 * Library errors name options as the library spells them (`searchRange: must be a positive length`,
 * `` give `pixelSizePm` ``; data/errors.ts AtomdynError.option); the command line prints its flags
 * instead (`--search-range: ...`, `give --pixel-size`). The one table from option to flag is derived
 * from the commander definitions of the commands loaded: each flag's attribute name (`--pixel-size` ->
 * `pixelSize`), the library name with its unit suffix dropped (`pixelSizePm` -> `pixelSize`), and
 * the few library names that differ otherwise ({@link LIBRARY_NAMES}).
 */
import type { Command } from 'commander';
import { AtomdynError } from '../data/errors.ts';

/** Library option names whose flag's attribute name differs by more than a unit suffix. */
export const LIBRARY_NAMES: Readonly<Record<string, string>> = {
  speciesElements: 'species',
  covarianceType: 'covariance',
  minProbability: 'coreProbability',
  minClassFraction: 'minClass',
  neighbourRadiusPm: 'radius',
  windowRadiusPm: 'window',
  pcaComponents: 'pca',
  dopants: 'dopant',
  'lag.frames': 'lag',
  'lag.seconds': 'lagS',
  kinetics: 'transitionMatrix',
  configurations: 'config',
  doseEPerA2: 'dose',
  sourceFwhmPm: 'sourceSize',
  learningRate: 'lr',
  batchSize: 'batch',
  width: 'size',
  height: 'size',
  apply: 'model',
  spacingPx: 'atomSpacing',
  defectPriors: 'defectPrior',
};

/** Unit suffixes a library option carries and its flag does not (`pixelSizePm` <-> `--pixel-size`). */
const UNIT_SUFFIX = /(Pm|Px|S|Pa|Kv|Mrad|Nm|Um|Mm|Fraction)$/;

/**
 * The table option attribute -> long flag of `program`, its options and those of every command
 * registered on it.
 */
export function flagTable(program: Command): Map<string, string> {
  const table = new Map<string, string>();
  const visit = (c: Command) => {
    for (const o of c.options) if (o.long && !table.has(o.attributeName())) table.set(o.attributeName(), o.long);
    for (const sub of c.commands) visit(sub);
  };
  visit(program);
  return table;
}

/**
 * The flag of a library option in `table` ({@link flagTable}), or null when no flag sets it.
 * @param option the option's library name (`searchRange`, `pixelSizePm`, `lag.seconds`)
 */
export function flagOf(option: string, table: Map<string, string>): string | null {
  for (const name of [option, LIBRARY_NAMES[option], option.replace(UNIT_SUFFIX, '')]) {
    if (name && table.has(name)) return table.get(name)!;
  }
  return null;
}

/**
 * The one line the CLI prints for an AtomdynError: the option that starts the message (its
 * `option`, or a `source` that is an option name) and every option named in backticks become their
 * flags; a backticked name without a flag is printed bare.
 * @param e the error
 * @param table the flags of the command that ran ({@link flagTable})
 */
export function cliMessage(e: AtomdynError, table: Map<string, string>): string {
  let text = e.message;
  const lead = e.option ?? e.source;
  const leadFlag = lead && !lead.startsWith('-') ? flagOf(lead, table) : null;
  if (leadFlag && text.startsWith(`${lead}: `)) text = `${leadFlag}: ${text.slice(lead.length + 2)}`;
  return text.replace(/`([A-Za-z][\w.]*)`/g, (_m, name: string) => flagOf(name, table) ?? name);
}
