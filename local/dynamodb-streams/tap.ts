/**
 * The local stand-in for a table's DynamoDB Stream (NEW_IMAGE): dynalite has no streams, so an
 * HTTP proxy sits in front of the DynamoDB endpoint the functions use. Every request goes through
 * unchanged, except that an UpdateItem on the watched table asks for ALL_NEW (and the caller's
 * answer is stripped of it again). After a successful write a stream record is emitted with the
 * new image taken from the write itself (the PutItem's item, the UpdateItem's ALL_NEW), in the
 * order DynamoDB answered — no read-back, so an image is exactly its write's (only an UpdateItem
 * whose caller asked for other return values is read back with a consistent GetItem).
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

interface Plan {
  operation: string;
  keys: Image;
  /** What goes to DynamoDB (an UpdateItem may ask for ALL_NEW). */
  body: Buffer;
  /** PutItem: the item written is the new image. */
  image?: Image;
  /** UpdateItem: the image is in the answer; 'strip' it when the caller did not ask for it. */
  fromAnswer?: 'strip' | 'keep';
}

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

  /** Read the new image back (a caller asked for other return values), after earlier reads. */
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
      emit({ operation, keys, body: Buffer.alloc(0) }, Item as Image | undefined);
    });
    const settled = next.catch(onError);
    chains.set(id, settled);
    void settled.then(() => {
      if (chains.get(id) === settled) chains.delete(id);
    });
  }

  /** The write's record, or undefined when the request is not a write of a watched item. */
  function planFor(operation: string, body: Buffer): Plan | undefined {
    if (!WRITES.has(operation)) return undefined;
    let input: { TableName?: string; Item?: Image; Key?: Image; ReturnValues?: string };
    try {
      input = JSON.parse(body.toString('utf8')) as typeof input;
    } catch {
      return undefined;
    }
    if (input.TableName !== options.tableName) return undefined;
    const source = operation === 'PutItem' ? input.Item : input.Key;
    if (!source) return undefined;
    const keys = Object.fromEntries(options.keyNames.map((k) => [k, source[k]!])) as Image;
    if (options.accept && !options.accept(keys)) return undefined;
    if (operation === 'PutItem') return { operation, keys, image: input.Item!, body };
    if (operation === 'DeleteItem') return { operation, keys, body };
    // UpdateItem: the write itself returns the new image (ALL_NEW), stripped again before the
    // caller sees it; a caller that asked for other values gets them, and the image is read back.
    const returnValues = input.ReturnValues ?? 'NONE';
    if (returnValues === 'NONE') {
      const asked = Buffer.from(JSON.stringify({ ...input, ReturnValues: 'ALL_NEW' }));
      return { operation, keys, fromAnswer: 'strip', body: asked };
    }
    return { operation, keys, body, ...(returnValues === 'ALL_NEW' ? { fromAnswer: 'keep' as const } : {}) };
  }

  function emit(plan: Plan, newImage: Image | undefined): void {
    const id = JSON.stringify(plan.keys);
    const eventName = !newImage
      ? 'REMOVE'
      : seen.has(id) || plan.operation !== 'PutItem'
        ? 'MODIFY'
        : 'INSERT';
    if (newImage) seen.add(id);
    else seen.delete(id);
    sequence += 1;
    options.onRecord(
      streamRecord(stream, { eventName, keys: plan.keys, sequence, ...(newImage ? { newImage } : {}) }),
    );
  }

  function answered(plan: Plan, answer: IncomingMessage, res: ServerResponse): void {
    if (!plan.fromAnswer) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => {
        if (answer.statusCode !== 200) return;
        if (plan.operation === 'UpdateItem') track(plan.operation, plan.keys);
        else emit(plan, plan.image);
      });
      return;
    }
    const chunks: Buffer[] = [];
    answer.on('data', (c: Buffer) => chunks.push(c));
    answer.on('end', () => {
      let text = Buffer.concat(chunks);
      const headers = { ...answer.headers };
      if (answer.statusCode === 200) {
        const output = JSON.parse(text.toString('utf8')) as { Attributes?: Image };
        emit(plan, output.Attributes);
        if (plan.fromAnswer === 'strip') {
          const { Attributes: _image, ...rest } = output;
          text = Buffer.from(JSON.stringify(rest));
          // The body changed: its checksum no longer applies (the SDK checks it only when sent).
          delete headers['x-amz-crc32'];
          headers['content-length'] = String(text.length);
        }
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      res.end(text);
    });
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const original = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const plan = planFor(operation, original);
      const body = plan?.body ?? original;
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
        },
        (answer) => {
          if (plan) return answered(plan, answer, res);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
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
