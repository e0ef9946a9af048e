/**
 * The progress interface of library code: long-running functions take an optional {@link ProgressSink}
 * and report to it; they never print. The terminal bar and log lines that implement it live in the CLI
 * (cli/progress.ts).
 */

/** What library code reports progress to. */
export interface ProgressSink {
  /** Start a task of `total` units (frames, steps, images); `label` names it. */
  start(label: string, total: number): void;
  /** Advance by `n` units; `info` is shown beside the bar (e.g. `{ loss: '0.12', 'img/s': '3.1' }`). */
  tick(n?: number, info?: Record<string, string>): void;
  /** The task is done. */
  stop(): void;
}

/** A sink that does nothing (the default in library calls). */
export const silentProgress: ProgressSink = { start() {}, tick() {}, stop() {} };
