import { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULT_SERVICE_NAME } from '../constants.ts';

/**
 * The functions' one logger: JSON lines with the Lambda context and, per request, the route,
 * API Gateway's request id and the caller. Presigned URLs, request bodies and credentials are
 * never passed to it.
 */
export const logger = new Logger(
  process.env.POWERTOOLS_SERVICE_NAME?.trim() ? {} : { serviceName: DEFAULT_SERVICE_NAME },
);
