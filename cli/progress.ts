/**
 * Progress bars for long work (cli-progress), written to stderr. Silent when stderr is not a
 * terminal or ATOMDYN_QUIET is set, so logs and tests stay clean; library code takes an optional
 * {@link ProgressSink} and never prints by itself.
 */
import cliProgress from 'cli-progress';

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

/**
 * A terminal progress bar with rate and ETA. Falls back to {@link silentProgress} off a terminal.
 */
export function terminalProgress(): ProgressSink {
  if (!process.stderr.isTTY || process.env.ATOMDYN_QUIET) return silentProgress;
  let bar: cliProgress.SingleBar | null = null;
  let label = '';
  let started = 0;
  let value = 0;
  return {
    start(l, total) {
      label = l;
      started = Date.now();
      value = 0;
      bar = new cliProgress.SingleBar(
        { format: '{label} [{bar}] {value}/{total} {rate}/s ETA {eta_formatted} {info}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { label, rate: '0', info: '' });
    },
    tick(n = 1, info) {
      value += n;
      const s = (Date.now() - started) / 1000;
      const infoText = info ? Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ') : '';
      bar?.update(value, { label, rate: s > 0 ? (value / s).toFixed(1) : '0', info: infoText });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
