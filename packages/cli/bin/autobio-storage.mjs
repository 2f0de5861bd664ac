#!/usr/bin/env node
// Runs the TypeScript source through tsx, so the CLI needs no build step. The tsconfig is
// named explicitly: tsx otherwise looks for one in the current directory, which may be anywhere.
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/main.ts', {
  parentURL: import.meta.url,
  tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
});
process.exitCode = await main(process.argv.slice(2));
