import { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULT_SERVICE_NAME } from '../constants.ts';

/**
 * The functions' one logger: JSON lines with the Lambda context. Presigned URLs, request bodies
 * and credentials are never passed to it. Per-request keys (route, API Gateway's request id, the
 * caller) are never appended to it: requests may run concurrently in one process (`pnpm dev`), so
 * they travel with each line through a {@link RequestLogger}.
 */
export const logger = new Logger(
  process.env.POWERTOOLS_SERVICE_NAME?.trim() ? {} : { serviceName: DEFAULT_SERVICE_NAME },
);

/** Extra attributes of one log line. */
export type LogAttributes = Record<string, unknown>;

/** The logger of one request: every line carries that request's keys, and only its own. */
export interface RequestLogger {
  readonly keys: Readonly<LogAttributes>;
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
  /** A logger with these keys added to this one's. */
  with(keys: LogAttributes): RequestLogger;
}

/**
 * A logger whose lines carry `keys` as the extra argument of each call, so that no state is
 * shared between requests running at the same time.
 */
export function requestLogger(keys: LogAttributes): RequestLogger {
  const own = { ...keys };
  // The request's keys last, so that no attribute of a line can pass for another request's.
  const line = (attributes: LogAttributes | undefined) => ({ ...attributes, ...own });
  return {
    keys: own,
    debug: (message, attributes) => logger.debug(message, line(attributes)),
    info: (message, attributes) => logger.info(message, line(attributes)),
    warn: (message, attributes) => logger.warn(message, line(attributes)),
    error: (message, attributes) => logger.error(message, line(attributes)),
    with: (more) => requestLogger({ ...own, ...more }),
  };
}
