/** The command's name, as installed by the package's `bin`. */
export const CLI_NAME = 'autobio-storage';

/** Exit code when every check passed or every object is in place. */
export const EXIT_OK = 0;

/** Exit code when a check failed, or an object was not copied (failed, conflicting, unverified). */
export const EXIT_FAILURE = 1;

/** Exit code for a bad command line or a bad configuration: nothing was attempted. */
export const EXIT_USAGE = 2;

/** Exit code after Ctrl-C: the run stopped early, what was done is kept. */
export const EXIT_INTERRUPTED = 130;

/** The largest object a single CopyObject can copy (5 GiB); larger ones are copied in parts. */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;

/** S3's smallest part (5 MiB), for every part but the last. */
export const MIN_PART_SIZE_BYTES = 5 * 1024 ** 2;

export const MAX_PART_SIZE_BYTES = 5 * 1024 ** 3;

export const MAX_PARTS = 10_000;

/** Part size for a multipart copy when the source's own part layout cannot be mirrored (512 MiB). */
export const DEFAULT_PART_SIZE_BYTES = 512 * 1024 ** 2;

/**
 * Parts of one object copied at once. A part is hundreds of MiB that S3 copies for seconds, so
 * parts add connections, not request rate; 4 keeps one large object from taking them all.
 */
export const DEFAULT_PART_CONCURRENCY = 4;

/**
 * Objects copied at once. S3 sustains 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD requests
 * per second per prefix. A CopyObject, even of a small object, takes S3 tens of milliseconds
 * (it reads and writes the object), so 32 in flight send at most about 1,000 to 1,500 copies a
 * second: well under the destination prefix's limit, and the source's reads under its own.
 * Where a prefix is still scaling up and answers SlowDown, the copy client's adaptive retry
 * mode lowers its own request rate.
 */
export const DEFAULT_CONCURRENCY = 32;

export const MAX_CONCURRENCY = 512;

/** Tries per S3 request of a migration, the first included; the SDK retries and backs off. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** Keys per ListObjectsV2 page (S3's maximum). */
export const DEFAULT_PAGE_SIZE = 1000;

/** Time between two progress lines when the output is not a terminal. */
export const PROGRESS_LINE_INTERVAL_MS = 1000;

/** The checks of `doctor`, in the order they run, each with the title it is reported under. */
export const DOCTOR_CHECKS = {
  config: 'configuration',
  credentials: 'credentials',
  bucket: 'bucket reachable',
  region: 'bucket region',
  'probe-put': 'put a probe object',
  'probe-read': 'read it back',
  'probe-delete': 'delete it',
  versioning: 'versioning',
  's3-uri': 'external S3 URI',
} as const;

/** Folder under the probe area where `doctor` writes its probe object. */
export const DOCTOR_SCRATCH_FOLDER = '_doctor/';

/** Part of the layout `doctor` probes by default: the one the server writes most. */
export const DEFAULT_PROBE_AREA = 'generated';

export const CREDENTIALS_TIMEOUT_MS = 10_000;
