// Builds the pinned actionlint into infra/.bin with `go install`, unless the release built there
// is already the pinned one. `pnpm test` runs it first, so every machine lints the workflows with
// the same release as CI; `--check` only reports.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  ACTIONLINT_BIN,
  ACTIONLINT_INSTALL_DIR,
  ACTIONLINT_MODULE,
  ACTIONLINT_STAMP,
  ACTIONLINT_VERSION,
  installedActionlintVersion,
} from '../test/helpers/actionlint.ts';

const checkOnly = process.argv.includes('--check');

const current = installedActionlintVersion();
if (current === ACTIONLINT_VERSION) process.exit(0);
if (checkOnly) {
  console.error(`actionlint ${ACTIONLINT_VERSION} is not installed (found: ${current ?? 'none'}).`);
  process.exit(1);
}

const go = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
if (go.status !== 0) {
  console.error(
    `actionlint ${ACTIONLINT_VERSION} is built from source with Go 1.25 or newer, and no \`go\` is ` +
      'on PATH. Install Go, then run this again.',
  );
  process.exit(1);
}
console.log(`Building actionlint ${ACTIONLINT_VERSION} with ${go.stdout.trim()} (once)...`);
mkdirSync(ACTIONLINT_INSTALL_DIR, { recursive: true });
try {
  execFileSync('go', ['install', `${ACTIONLINT_MODULE}@${ACTIONLINT_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: ACTIONLINT_INSTALL_DIR, CGO_ENABLED: '0' },
  });
} catch {
  console.error(`go install ${ACTIONLINT_MODULE}@${ACTIONLINT_VERSION} failed: see above.`);
  process.exit(1);
}
writeFileSync(ACTIONLINT_STAMP, `${ACTIONLINT_VERSION}\n`);
console.log(`actionlint ${ACTIONLINT_VERSION} installed at ${ACTIONLINT_BIN}`);
