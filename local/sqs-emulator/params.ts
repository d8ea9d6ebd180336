/** Reading request members the way SQS validates them (MissingParameter / InvalidParameterValue). */
import { invalidParameter, missingParameter, sqsError } from './errors.js';
import type { MessageAttributeValue } from './md5.js';

export type Input = Record<string, unknown>;

export function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (value === undefined || value === null || value === '') throw missingParameter(name);
  if (typeof value !== 'string') throw invalidParameter(`Value for parameter ${name} must be a string.`);
  return value;
}

export function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`Value for parameter ${name} must be a string.`);
  return value;
}

export function optionalInt(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}, if provided.`,
    );
  }
  return value;
}

export function stringList(input: Input, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalidParameter(`Value for parameter ${name} must be a list of strings.`);
  }
  return value as string[];
}

export function stringMap(input: Input, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(`${name} must be a map.`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw sqsError('InvalidAttributeValue', `Attribute ${k} must be a string.`);
  }
  return value as Record<string, string>;
}

export function entries(input: Input, name: string): Input[] {
  const value = input[name];
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    throw sqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  }
  if (!Array.isArray(value) || value.some((e) => typeof e !== 'object' || e === null)) {
    throw invalidParameter(`${name} must be a list of entries.`);
  }
  if (value.length > 10) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${value.length}.`,
    );
  }
  const ids = new Set<string>();
  for (const entry of value as Input[]) {
    const id = entry.Id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (ids.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    ids.add(id);
  }
  return value as Input[];
}

const MAX_ATTRIBUTES = 10;

/** MessageAttributes: at most 10, a String/Number/Binary data type, a value that matches it. */
export function messageAttributes(input: Input): Record<string, MessageAttributeValue> {
  const value = input.MessageAttributes;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidParameter('MessageAttributes must be a map.');
  const result: Record<string, MessageAttributeValue> = {};
  const names = Object.keys(value);
  if (names.length > MAX_ATTRIBUTES) {
    throw invalidParameter(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    if (
      !/^[A-Za-z0-9_.-]{1,256}$/.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      /^(aws|amazon)\./i.test(name)
    ) {
      throw invalidParameter(`Message attribute name '${name}' is invalid.`);
    }
    const attr = (raw ?? {}) as { DataType?: unknown; StringValue?: unknown; BinaryValue?: unknown };
    if (typeof attr.DataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(attr.DataType)) {
      throw invalidParameter(`The message attribute '${name}' has an invalid message attribute type.`);
    }
    if (attr.DataType.startsWith('Binary')) {
      if (typeof attr.BinaryValue !== 'string') {
        throw invalidParameter(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      }
      result[name] = { DataType: attr.DataType, BinaryValue: Buffer.from(attr.BinaryValue, 'base64') };
    } else {
      if (typeof attr.StringValue !== 'string' || attr.StringValue === '') {
        throw invalidParameter(
          `The message attribute '${name}' must contain non-empty message attribute value.`,
        );
      }
      if (
        attr.DataType.startsWith('Number') &&
        !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(attr.StringValue)
      ) {
        throw invalidParameter(`Can't cast the value of message attribute '${name}' to a number.`);
      }
      result[name] = { DataType: attr.DataType, StringValue: attr.StringValue };
    }
  }
  return result;
}

export function attributesSize(attributes: Record<string, MessageAttributeValue>): number {
  let size = 0;
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    size += a.BinaryValue ? a.BinaryValue.length : Buffer.byteLength(a.StringValue ?? '');
  }
  return size;
}

/** SQS accepts only these XML 1.0 characters in bodies. */
// eslint-disable-next-line no-control-regex
const INVALID_BODY_CHARS = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function hasInvalidCharacters(body: string): boolean {
  return INVALID_BODY_CHARS.test(body);
}
