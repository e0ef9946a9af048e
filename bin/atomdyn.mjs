#!/usr/bin/env node
// Entry point of the `atomdyn` command. The sources are TypeScript, run through the tsx loader
// (a well-kept esbuild-based loader), so a fresh `npm ci` is all a user needs: no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
