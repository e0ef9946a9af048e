/**
 * A child process for the run-folder tests (test/runFolder.test.ts): starts a run aimed at argv[2]
 * with input argv[3], writes `id.txt` (= argv[4]) and a few files slowly, then commits. With
 * STOP_AT=<stage> it prints `stage <name>` at each stage and, at that one, waits forever (the test
 * kills it with SIGKILL). Exit code 2 and one line on an AtomdynError, as the CLI.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startRun, type RunStage } from '../../data/runFolder.ts';
import { newRun } from '../../data/runMetadata.ts';
import { AtomdynError } from '../../data/errors.ts';

const [target, input, id] = process.argv.slice(2);
const stopAt = process.env.STOP_AT as RunStage | 'writing' | undefined;
const files = Number(process.env.FILES ?? 5);
const delayMs = Number(process.env.DELAY_MS ?? 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stage = async (s: string) => {
  process.stdout.write(`stage ${s}\n`);
  if (s === stopAt) await new Promise(() => setInterval(() => {}, 1000));
};

try {
  const run = await startRun(target, { inputs: [input], overwrite: process.env.OVERWRITE === '1', onStage: stage });
  const outputs: string[] = [];
  for (let i = 0; i < files; i++) {
    writeFileSync(path.join(run.dir, `part${i}.txt`), `${id} ${i}\n`);
    outputs.push(`part${i}.txt`);
    if (i === 1) await stage('writing');
    await sleep(delayMs);
  }
  writeFileSync(path.join(run.dir, 'id.txt'), id);
  const meta = newRun('test', [id]);
  meta.inputs = [path.join(run.dir, 'id.txt')];
  meta.outputs = [...outputs, 'id.txt', 'run.json'];
  await run.commit(meta);
} catch (e) {
  if (!(e instanceof AtomdynError)) throw e;
  process.stderr.write(`atomdyn: ${e.message}\n`);
  process.exitCode = 2;
}
