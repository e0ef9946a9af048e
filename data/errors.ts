/**
 * Errors that reach a user.
 *
 * Every failure caused by input (a file, a flag, a table) is thrown as an {@link AtomdynError}
 * naming the file (or flag) and what is wrong; its message is always one printable line (see
 * {@link oneLine}), whatever file content it quotes. The CLI prints it as one line,
 * `atomdyn: <file>: <message>` (control bytes removed, cut to 1 000 characters), and exits
 * with code 2; any other error is a bug: one line and a log file with its stack (exit code 1;
 * cli/errorReport.ts).
 */
/** Longest message an AtomdynError carries, characters. */
export const MAX_MESSAGE = 1000;

/**
 * Text made safe for one terminal line: control bytes and other non-printing characters become `?`,
 * line breaks become ` / `, runs of white space one space, and text beyond `max` characters is cut
 * with `...`. Used for every AtomdynError message, since messages quote file content.
 */
export function oneLine(text: string, max = MAX_MESSAGE): string {
  const flat = text
    .replace(/\r\n|\r|\n/g, ' / ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

export class AtomdynError extends Error {
  /** The file, dataset or option the problem is about ('' when none). */
  readonly source: string;
  /**
   * The library option the problem is about (`searchRangePm`, `lag`), when it is about one; null
   * otherwise. The message then starts with `<option>: `, and names any other option in backticks
   * (`` `pixelSizePm` ``); the CLI prints the matching flags instead (`--search-range`, cli/optionFlags.ts).
   */
  readonly option: string | null;

  /**
   * @param source the file path (or `file:dataset`, or option name) the problem is about
   * @param message what is wrong, in words a microscopist understands
   * @param options.cause the underlying error, kept for debugging (`ATOMDYN_DEBUG=1` prints it)
   * @param options.option the library option the problem is about (see {@link AtomdynError.option})
   */
  constructor(source: string, message: string, options?: { cause?: unknown; option?: string }) {
    super(oneLine(source ? `${source}: ${message}` : message), options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'AtomdynError';
    this.source = source;
    this.option = options?.option ?? null;
  }

  /**
   * An error about the value of a library option: `forOption('searchRangePm', 'must be positive')`
   * has the message `searchRangePm: must be positive` and `option` 'searchRangePm'.
   * @param option the option's name as the library spells it (a key of an options object)
   * @param message what is wrong; other options named in backticks
   */
  static forOption(option: string, message: string, options?: { cause?: unknown }): AtomdynError {
    return new AtomdynError(option, message, { ...options, option });
  }
}

/**
 * Run `fn`, turning any non-AtomdynError it throws into an AtomdynError naming `source`.
 * Used around third-party parsers (TIFF, HDF5, PNG) whose own errors do not name the file.
 *
 * @throws AtomdynError always on failure; `what` prefixes the underlying message
 */
export async function withSource<T>(source: string, what: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AtomdynError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new AtomdynError(source, `${what}: ${msg}`, { cause: e });
  }
}

/**
 * The model does not apply to the input (inference/applicability.ts says `applicable: false`) and the
 * user asked to stop in that case (`--strict`). The CLI prints it as one line and exits with code 3.
 */
export class ModelNotApplicableError extends AtomdynError {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode = 3;
}
