/**
 * Progress bars for long work (cli-progress), written to stderr; a log line every 30 s when stderr
 * is not a terminal; nothing when ATOMDYN_QUIET is set. Library code takes an optional
 * {@link ProgressSink} and never prints by itself.
 */
import cliProgress from 'cli-progress';

import type { ProgressSink } from '../data/progress.ts';
import { silentProgress } from '../data/progress.ts';

export { silentProgress, type ProgressSink } from '../data/progress.ts';

/**
 * Off a terminal (a batch job, a log file): one line every `intervalS` seconds and one at the end,
 * `label value/total rate/s info`.
 */
export function logProgress(intervalS = 30, stream: NodeJS.WritableStream = process.stderr): ProgressSink {
  let label = '';
  let total = 0;
  let value = 0;
  let started = 0;
  let last = 0;
  let info = '';
  const line = () => {
    const s = (Date.now() - started) / 1000;
    stream.write(`${label}: ${value}/${total} (${s > 0 ? (value / s).toFixed(2) : '0'}/s, ${s.toFixed(0)} s) ${info}\n`);
  };
  return {
    start(l, t) {
      label = l;
      total = t;
      value = 0;
      started = last = Date.now();
    },
    tick(n = 1, i) {
      value += n;
      if (i) info = Object.entries(i).map(([k, v]) => `${k} ${v}`).join(' ');
      if (Date.now() - last >= intervalS * 1000) {
        last = Date.now();
        line();
      }
    },
    stop() {
      if (Date.now() - started >= intervalS * 1000) line();
    },
  };
}

/**
 * A terminal progress bar with rate and ETA; off a terminal, a log line every 30 s
 * ({@link logProgress}); nothing with ATOMDYN_QUIET set.
 */
export function terminalProgress(): ProgressSink {
  if (process.env.ATOMDYN_QUIET) return silentProgress;
  if (!process.stderr.isTTY) return logProgress();
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
