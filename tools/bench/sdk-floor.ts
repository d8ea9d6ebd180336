/**
 * `npm run bench:sdk-floor`: what one DynamoDB call costs in CPU on this machine, through the AWS
 * SDK v3 (the document client our adapters use) and as the same request over plain keep-alive HTTP.
 * It answers "how low can makePayment's CPU per invocation go while it makes 3 DynamoDB calls and
 * 1 SQS send through the SDK": the measured per-call cost times four is the floor.
 *
 * Both run in a worker thread (as a Lambda handler does on the local stack), measured with
 * process.threadCpuUsage(), against the embedded dynalite in the main thread; the same item shape
 * as a payment's (a history of six entries). The raw-HTTP variant sends an unsigned request
 * (dynalite does not check signatures), so it is a floor below the SDK's signing too.
 */
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite } from '../../local/dynalite.js';

const TABLE = 'sdk-floor';
const CALLS_PER_ROUND = 3;

/** Plain JavaScript (no tsx in the worker): one round = GetItem + 2 × UpdateItem (ALL_NEW). */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const http = require('node:http');
const { createRequire } = require('node:module');
const load = createRequire(workerData.root + '/package.json');
const { DynamoDBClient } = load('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, GetCommand, UpdateCommand } = load('@aws-sdk/lib-dynamodb');
const { endpoint, table, variant, rounds, warmup } = workerData;
const history = Array.from({ length: 6 }, (_, i) => ({ operation: 'CAPTURE', at: new Date(0).toISOString(), amount: 1000 + i, operationId: 'op-' + i }));
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'eu-north-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
const agent = new http.Agent({ keepAlive: true });
const url = new URL(endpoint);
function raw(target, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/', agent, headers: {
      'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.' + target,
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/eu-north-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-date': '20260101T000000Z', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    });
    req.on('error', reject); req.end(data);
  });
}
const rawHistory = { L: history.map((h) => ({ M: { operation: { S: h.operation }, at: { S: h.at }, amount: { N: String(h.amount) }, operationId: { S: h.operationId } } })) };
async function sdkRound(i) {
  const Key = { pk: 'p' + (i % 50) };
  await doc.send(new GetCommand({ TableName: table, Key }));
  for (let n = 0; n < 2; n++)
    await doc.send(new UpdateCommand({ TableName: table, Key, UpdateExpression: 'SET #h = :h, #v = :v', ExpressionAttributeNames: { '#h': 'history', '#v': 'version' }, ExpressionAttributeValues: { ':h': history, ':v': i }, ReturnValues: 'ALL_NEW' }));
}
async function rawRound(i) {
  const Key = { pk: { S: 'p' + (i % 50) } };
  await raw('GetItem', { TableName: table, Key });
  for (let n = 0; n < 2; n++)
    await raw('UpdateItem', { TableName: table, Key, UpdateExpression: 'SET #h = :h, #v = :v', ExpressionAttributeNames: { '#h': 'history', '#v': 'version' }, ExpressionAttributeValues: { ':h': rawHistory, ':v': { N: String(i) } }, ReturnValues: 'ALL_NEW' });
}
(async () => {
  const round = variant === 'sdk' ? sdkRound : rawRound;
  for (let i = 0; i < warmup; i++) await round(i);
  const start = process.threadCpuUsage();
  for (let i = 0; i < rounds; i++) await round(i);
  const used = process.threadCpuUsage(start);
  parentPort.postMessage((used.user + used.system) / 1000 / rounds / ${CALLS_PER_ROUND});
})().catch((e) => { console.error(e); process.exit(1); });
`;

function measure(variant: 'sdk' | 'raw', endpoint: string, rounds: number): Promise<number> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { endpoint, table: TABLE, variant, rounds, warmup: 300, root: process.cwd() },
  });
  return new Promise<number>((resolve, reject) => {
    worker.once('message', (ms: number) => resolve(ms));
    worker.once('error', reject);
  }).finally(() => void worker.terminate());
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 1000);
  if (typeof process.threadCpuUsage !== 'function') {
    throw new Error('process.threadCpuUsage needs Node ≥ 22.19: run it through npm (node@22)');
  }
  const dynalite = await startDynalite();
  try {
    const client = new DynamoDBClient({
      endpoint: dynalite.endpoint,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const sdk: number[] = [];
    const raw: number[] = [];
    for (let run = 0; run < 3; run++) {
      sdk.push(await measure('sdk', dynalite.endpoint, rounds));
      raw.push(await measure('raw', dynalite.endpoint, rounds));
    }
    const best = (values: number[]) => Math.min(...values);
    console.log(
      `CPU per DynamoDB call in a worker thread (best of 3 runs × ${rounds * CALLS_PER_ROUND} calls):`,
    );
    console.log(
      `  AWS SDK v3 document client   ${best(sdk).toFixed(3)} ms   (runs: ${sdk.map((v) => v.toFixed(3)).join(', ')})`,
    );
    console.log(
      `  plain keep-alive HTTP        ${best(raw).toFixed(3)} ms   (runs: ${raw.map((v) => v.toFixed(3)).join(', ')})`,
    );
    console.log(
      `  → 4 calls (3 DynamoDB + 1 SQS) through the SDK ≈ ${(4 * best(sdk)).toFixed(2)} ms before any of our code`,
    );
  } finally {
    await dynalite.close();
  }
}

await main();
