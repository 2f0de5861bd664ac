#!/usr/bin/env node
// Runs the TypeScript source through tsx, so the CLI needs no build step. The tsconfig is
// named explicitly: tsx otherwise looks for one in the current directory, which may be anywhere.
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

// The SDK warns on every run that a future release will need Node 22; an operator cannot act
// on that here, and it would bury the command's own output. Set the variable to keep it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await tsImport('../src/main.ts', {
  parentURL: import.meta.url,
  tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
});
process.exitCode = await main(process.argv.slice(2));
