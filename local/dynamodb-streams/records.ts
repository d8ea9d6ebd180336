/**
 * DynamoDB Streams records as Lambda receives them (AWS: "DynamoDB Streams and AWS Lambda
 * triggers", the StreamRecord and Record shapes of the DynamoDB Streams API): eventID, eventName,
 * eventVersion 1.1, eventSource aws:dynamodb, awsRegion, eventSourceARN and `dynamodb` with
 * ApproximateCreationDateTime (epoch seconds), Keys, NewImage, SequenceNumber, SizeBytes and
 * StreamViewType. Images are AttributeValue JSON ({ S: … }, { N: "…" }, { M: … }, …).
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';

export type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;
export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** Sequence numbers are decimal strings that grow within a shard (AWS: 21+ digits). */
const SEQUENCE_BASE = 10n ** 20n;

export interface StreamIdentity {
  region: string;
  tableName: string;
  /** Chosen once per stream, like AWS's StreamLabel (an ISO time). */
  label: string;
}

export function streamArn({ region, tableName, label }: StreamIdentity): string {
  return `arn:aws:dynamodb:${region}:000000000000:table/${tableName}/stream/${label}`;
}

export function streamRecord(
  stream: StreamIdentity,
  change: { eventName: StreamEventName; keys: Image; newImage?: Image; sequence: number },
): DynamoDBRecord {
  const size = JSON.stringify(change.keys).length + JSON.stringify(change.newImage ?? {}).length;
  return {
    eventID: randomUUID().replaceAll('-', ''),
    eventName: change.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: stream.region,
    eventSourceARN: streamArn(stream),
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: change.keys,
      ...(change.newImage ? { NewImage: change.newImage } : {}),
      SequenceNumber: (SEQUENCE_BASE + BigInt(change.sequence)).toString(),
      SizeBytes: size,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}
