/**
 * SQS errors as the SDK names them. The shape name goes in `__type`; the legacy query code goes in
 * the `x-amzn-query-error` header, which is what @aws-sdk/client-sqs (awsQueryCompatible) reads
 * first — so both must match the service model or `err.name` comes out wrong.
 */
import { AwsJsonError } from '../aws-json-server.js';

const QUERY_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  ReceiptHandleIsInvalid: 'ReceiptHandleIsInvalid',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
  ResourceNotFoundException: 'ResourceNotFoundException',
  // Not modelled as shapes: the SDK surfaces them by this code as the error name.
  InvalidParameterValue: 'InvalidParameterValue',
  MissingParameter: 'MissingParameter',
  InvalidAttributeName: 'InvalidAttributeName',
  InvalidAttributeValue: 'InvalidAttributeValue',
  InvalidMessageContents: 'InvalidMessageContents',
};

export type SqsErrorName = keyof typeof QUERY_CODES & string;

export function sqsError(name: SqsErrorName, message: string): AwsJsonError {
  return new AwsJsonError(name, message, { queryErrorCode: QUERY_CODES[name] ?? name });
}

export const invalidParameter = (message: string) => sqsError('InvalidParameterValue', message);
export const missingParameter = (name: string) =>
  sqsError('MissingParameter', `The request must contain the parameter ${name}.`);
