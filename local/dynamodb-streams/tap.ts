/**
 * The local stand-in for a table's DynamoDB Stream (NEW_IMAGE): dynalite has no streams, so an
 * HTTP proxy sits in front of the DynamoDB endpoint the functions use. Every request goes through
 * unchanged; after a successful PutItem, UpdateItem or DeleteItem on the watched table it reads
 * the item's new image (consistent GetItem, straight from the real endpoint) and emits a stream
 * record. Reads for one item run one after another, so an item's records come in the order of
 * its writes, each image at least as new as the one before (two quick writes may both be
 * reported with the later image, which a NEW_IMAGE consumer must bear anyway).
 *
 * Works in front of dynalite and of moto (plain http). Not in front of AWS: SigV4 signs the host
 * name, so a proxy would break the signature — there the sweep hands events over (README).
 * `accept` applies the event source mapping's filter at the source: an item it refuses is never
 * read back.
 */
import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { type AwsClientOptions, createDynamoDbClient } from '../../lambdas/adapters/aws-clients.js';
import { type Image, type StreamIdentity, streamArn, streamRecord } from './records.js';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

export interface StreamTapOptions {
  /** The real DynamoDB endpoint (http). */
  target: string;
  tableName: string;
  /** The table's key attribute names (partition, sort). */
  keyNames: readonly string[];
  /** Region and credentials for the tap's own reads (never counted as a function's calls). */
  client: Omit<AwsClientOptions, 'endpoint' | 'counter'>;
  region: string;
  accept?: (keys: Image) => boolean;
  onRecord: (record: DynamoDBRecord) => void;
  onError?: (error: unknown) => void;
}

export interface StreamTap {
  /** Where the functions send their DynamoDB calls. */
  endpoint: string;
  streamArn: string;
  /** Resolves when every write seen so far has its record. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startStreamTap(options: StreamTapOptions): Promise<StreamTap> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`the stream tap forwards to http only, not ${target}`);
  const reader = createDynamoDbClient({ ...options.client, endpoint: options.target, counter: false });
  const stream: StreamIdentity = {
    region: options.region,
    tableName: options.tableName,
    label: new Date().toISOString().replace(/Z$/, ''),
  };
  const onError = options.onError ?? ((e: unknown) => console.warn('[dynamodb-streams] tap:', e));
  const chains = new Map<string, Promise<void>>();
  const seen = new Set<string>();
  let sequence = 0;

  /** Emit the item's record once the writes before it on the same item have theirs. */
  function track(operation: string, keys: Image): void {
    const id = JSON.stringify(keys);
    const previous = chains.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const { Item } = await reader.send(
        new GetItemCommand({
          TableName: options.tableName,
          Key: keys as Record<string, AttributeValue>,
          ConsistentRead: true,
        }),
      );
      const newImage = Item as Image | undefined;
      const eventName = !newImage ? 'REMOVE' : seen.has(id) || operation !== 'PutItem' ? 'MODIFY' : 'INSERT';
      if (newImage) seen.add(id);
      else seen.delete(id);
      sequence += 1;
      options.onRecord(
        streamRecord(stream, { eventName, keys, sequence, ...(newImage ? { newImage } : {}) }),
      );
    });
    const settled = next.catch(onError);
    chains.set(id, settled);
    void settled.then(() => {
      if (chains.get(id) === settled) chains.delete(id);
    });
  }

  function written(operation: string, body: string): void {
    let input: { TableName?: string; Item?: Image; Key?: Image };
    try {
      input = JSON.parse(body) as typeof input;
    } catch {
      return;
    }
    if (input.TableName !== options.tableName) return;
    const source = operation === 'PutItem' ? input.Item : input.Key;
    if (!source) return;
    const keys = Object.fromEntries(options.keyNames.map((k) => [k, source[k]!])) as Image;
    if (options.accept && !options.accept(keys)) return;
    track(operation, keys);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => {
            if (answer.statusCode === 200 && WRITES.has(operation)) written(operation, body.toString('utf8'));
          });
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    streamArn: streamArn(stream),
    settled: async () => {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      reader.destroy();
    },
  };
}
