#!/usr/bin/env node
// Entry point of the `atomdyn` command. The sources are TypeScript, run through the tsx loader
// (a well-kept esbuild-based loader), so a fresh `npm ci` is all a user needs: no build step.
import { register } from 'tsx/esm/api';

register();
// `atomdyn info FILE | head` closes the pipe early: stop quietly instead of printing a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
