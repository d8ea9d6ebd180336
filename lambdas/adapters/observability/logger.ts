import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from '../../observability.js';
import { redactingReplacer } from './redaction.js';

/**
 * One structured JSON logger per function, with card data and secrets redacted (the entry
 * point sets the API Gateway request id as correlation id).
 */
export function createLogger(serviceName: string = SERVICE_NAME): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactingReplacer });
}
