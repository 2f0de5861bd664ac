/** One problem with a request, located by a path such as `body.contentType`. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/**
 * An error the API answers with as it is: its status, a stable code and a message written for
 * the caller. Everything else thrown by a handler is mapped (storage errors) or hidden (500).
 */
export class HttpError extends Error {
  public readonly statusCode: number;
  public readonly code: string;
  public readonly details: readonly ErrorDetail[] | undefined;
  /** Headers the answer carries, such as `retry-after` (seconds). */
  public readonly headers: Readonly<Record<string, string>> | undefined;

  public constructor(
    statusCode: number,
    code: string,
    message: string,
    options: {
      cause?: unknown;
      details?: readonly ErrorDetail[];
      headers?: Readonly<Record<string, string>>;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** How a call to the illustration-gen service failed. */
export type IllustrationGenFailure =
  /** No answer within the timeout. */
  | 'Timeout'
  /** No connection (DNS, refused, reset). */
  | 'Unreachable'
  /** An answer with a non-2xx status. */
  | 'HttpStatus'
  /** A 2xx answer that is not `{ "s3Uri": "s3://..." }`, or whose object is not there. */
  | 'BadResponse';

/** The illustration-gen service failed; the message is for logs, the API answers 502 or 504. */
export class IllustrationGenError extends Error {
  public readonly failure: IllustrationGenFailure;
  /** The service's HTTP status, for `HttpStatus`. */
  public readonly serviceStatusCode: number | undefined;

  public constructor(
    failure: IllustrationGenFailure,
    message: string,
    options: { cause?: unknown; serviceStatusCode?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.failure = failure;
    this.serviceStatusCode = options.serviceStatusCode;
  }
}

/**
 * The deletion sweep could not make some deletions final. The others were swept; these users'
 * markers stay, so the next run tries again. Thrown after the whole run, so that the scheduler
 * counts the run as failed (its retries and alarms).
 */
export class DeletionSweepError extends Error {
  /** The users whose sweep failed, in the order tried. */
  public readonly failedUserIds: readonly string[];

  public constructor(failedUserIds: readonly string[], errors: readonly unknown[]) {
    super(
      `The deletion sweep failed for ${failedUserIds.length} of the accounts due: ` +
        `${failedUserIds.join(', ')}. Their markers stay and the next run tries again; each ` +
        'failure is logged with its cause (fix it, such as a missing grant, for the next run to pass).',
      { cause: new AggregateError(errors, 'The failures of the deletion sweep') },
    );
    this.name = new.target.name;
    this.failedUserIds = failedUserIds;
  }
}
