/** s3rver accepts any secret for its one built-in access key id. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * The root account versitygw is started with. Unlike s3rver it verifies every signature against
 * this secret, so a request signed with any other is refused. Local-only: it guards no data.
 */
export const VERSITYGW_CREDENTIALS = {
  accessKeyId: 'AUTOBIOLOCAL',
  secretAccessKey: 'autobio-local-versitygw-secret',
} as const;

/** The Go module of the Versity S3 Gateway and the release the project is tested on. */
export const VERSITYGW_MODULE = 'github.com/versity/versitygw/cmd/versitygw';
export const VERSITYGW_VERSION = 'v1.8.0';

/** The command that builds the pinned versitygw into this package (needs Go 1.25 or newer). */
export const VERSITYGW_INSTALL_COMMAND = 'pnpm s3:install';

/** Names the environment variable that points at a versitygw binary built elsewhere. */
export const VERSITYGW_BIN_ENV = 'VERSITYGW_BIN';

/** The region versitygw signs and checks requests for. */
export const VERSITYGW_REGION = 'us-east-1';

/** Milliseconds to wait for the server to be ready unless told otherwise. */
export const DEFAULT_START_TIMEOUT_MS = 15_000;
