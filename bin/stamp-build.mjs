// After `tsc -p tsconfig.build.json`: mark dist/ as built now (bin/atomdyn.mjs runs dist/ only while no
// TypeScript source is newer than this stamp).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

writeFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', '.build-stamp'), `${new Date().toISOString()}\n`);
