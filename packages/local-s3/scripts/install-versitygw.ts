// Builds the pinned versitygw into this package's .bin/ with `go install`, unless the release
// built there is already the pinned one. `pnpm test` runs it first, so a fresh clone tests on
// the same server as CI; `--check` only reports.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { VERSITYGW_BIN_ENV, VERSITYGW_MODULE, VERSITYGW_VERSION } from '../src/constants.ts';
import { VERSITYGW_DEFAULT_BIN, VERSITYGW_INSTALL_DIR, VERSITYGW_STAMP } from '../src/versitygw.ts';

const checkOnly = process.argv.includes('--check');

function installed(): string | undefined {
  if (!existsSync(VERSITYGW_DEFAULT_BIN) || !existsSync(VERSITYGW_STAMP)) return undefined;
  return readFileSync(VERSITYGW_STAMP, 'utf8').trim();
}

if (process.env[VERSITYGW_BIN_ENV]?.trim()) {
  console.log(`versitygw: using ${VERSITYGW_BIN_ENV}=${process.env[VERSITYGW_BIN_ENV]}`);
  process.exit(0);
}
const current = installed();
if (current === VERSITYGW_VERSION) process.exit(0);
if (checkOnly) {
  console.error(`versitygw ${VERSITYGW_VERSION} is not installed (found: ${current ?? 'none'}).`);
  process.exit(1);
}

const go = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
if (go.status !== 0) {
  console.error(
    `versitygw ${VERSITYGW_VERSION} is built from source with Go 1.25 or newer, and no \`go\` is on ` +
      `PATH. Install Go, or set ${VERSITYGW_BIN_ENV} to a versitygw binary built elsewhere.`,
  );
  process.exit(1);
}
console.log(
  `Building versitygw ${VERSITYGW_VERSION} with ${go.stdout.trim()} (a few minutes, once)...`,
);
mkdirSync(VERSITYGW_INSTALL_DIR, { recursive: true });
try {
  execFileSync('go', ['install', `${VERSITYGW_MODULE}@${VERSITYGW_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: VERSITYGW_INSTALL_DIR, CGO_ENABLED: '0' },
  });
} catch {
  console.error(`go install ${VERSITYGW_MODULE}@${VERSITYGW_VERSION} failed: see above.`);
  process.exit(1);
}
writeFileSync(VERSITYGW_STAMP, `${VERSITYGW_VERSION}\n`);
console.log(`versitygw ${VERSITYGW_VERSION} installed at ${VERSITYGW_DEFAULT_BIN}`);
