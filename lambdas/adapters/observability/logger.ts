import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { SERVICE_NAME } from '../../observability.js';
import { redactingReplacer } from './redaction.js';

/**
 * One structured JSON logger per function, with card data and secrets redacted and the API
 * Gateway request id (or another correlation path) on every line.
 */
export function createLogger(serviceName: string = SERVICE_NAME): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactingReplacer, correlationIdSearchFn: search });
}
