import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Go module of actionlint, the workflow linter, and the release the project lints with. */
export const ACTIONLINT_MODULE = 'github.com/rhysd/actionlint/cmd/actionlint';
export const ACTIONLINT_VERSION = 'v1.7.12';

/** The command that builds the pinned actionlint into infra/.bin (needs Go 1.25 or newer). */
export const ACTIONLINT_INSTALL_COMMAND = 'pnpm actionlint:install';

/** Where the install script builds the binary (git-ignored), and the stamp naming its release. */
export const ACTIONLINT_INSTALL_DIR = fileURLToPath(new URL('../../.bin/', import.meta.url));
export const ACTIONLINT_BIN = join(
  ACTIONLINT_INSTALL_DIR,
  process.platform === 'win32' ? 'actionlint.exe' : 'actionlint',
);
export const ACTIONLINT_STAMP = join(ACTIONLINT_INSTALL_DIR, 'actionlint.version');

/** The release built in infra/.bin, or undefined when there is none. */
export function installedActionlintVersion(): string | undefined {
  if (!existsSync(ACTIONLINT_BIN) || !existsSync(ACTIONLINT_STAMP)) return undefined;
  return readFileSync(ACTIONLINT_STAMP, 'utf8').trim();
}

/**
 * The pinned actionlint binary.
 * @throws Error naming the install command when it is missing or another release.
 */
export function resolveActionlint(): string {
  const installed = installedActionlintVersion();
  if (installed === undefined) {
    throw new Error(
      `actionlint ${ACTIONLINT_VERSION} is not installed. Run ${ACTIONLINT_INSTALL_COMMAND} ` +
        '(builds it with Go 1.25+ into infra/.bin); pnpm test runs it first.',
    );
  }
  if (installed !== ACTIONLINT_VERSION) {
    throw new Error(
      `The installed actionlint is ${installed || 'of an unknown release'}, but the workflows are ` +
        `linted with ${ACTIONLINT_VERSION}. Run ${ACTIONLINT_INSTALL_COMMAND} to rebuild it.`,
    );
  }
  return ACTIONLINT_BIN;
}
