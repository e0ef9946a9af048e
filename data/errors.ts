/**
 * Errors that reach a user.
 *
 * Every failure caused by input (a file, a flag, a table) is thrown as an {@link AtomdynError}
 * naming the file (or flag) and what is wrong. The CLI prints it as one line,
 * `atomdyn: <file>: <message>` (control bytes removed, cut to a few hundred characters), and exits
 * with code 2; any other error is a bug: one line and a log file with its stack (exit code 1;
 * cli/errorReport.ts).
 */
export class AtomdynError extends Error {
  /** The file, dataset or flag the problem is about ('' when none). */
  readonly source: string;

  /**
   * @param source the file path (or `file:dataset`, or `--flag`) the problem is about
   * @param message what is wrong, in words a microscopist understands
   * @param options.cause the underlying error, kept for debugging (`ATOMDYN_DEBUG=1` prints it)
   */
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(source ? `${source}: ${message}` : message, options);
    this.name = 'AtomdynError';
    this.source = source;
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
