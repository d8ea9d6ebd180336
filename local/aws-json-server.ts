/**
 * The wire side shared by the local SQS and KMS emulators: the AWS JSON RPC protocol
 * (`POST /`, `X-Amz-Target: <Service>.<Operation>`, `application/x-amz-json-1.x`), which is what
 * the real AWS SDK v3 clients speak. Requests are not signature-checked: the emulators only
 * listen on loopback and exist so the production adapters run unchanged on a laptop.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error the SDK turns into a named exception (`err.name === name`). */
export class AwsJsonError extends Error {
  constructor(
    /** Shape name in the service model, e.g. `QueueDoesNotExist`, `NotFoundException`. */
    override readonly name: string,
    message: string,
    readonly options: {
      status?: number;
      /**
       * SQS is "awsQueryCompatible": the SDK reads the legacy query error code from the
       * `x-amzn-query-error` header (`<code>;Sender`) and maps it back to the modelled shape.
       */
      queryErrorCode?: string;
    } = {},
  ) {
    super(message);
  }
}

export interface AwsJsonServerOptions {
  host: string;
  port: number;
  /** `AmazonSQS` or `TrentService`. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  /** Namespace for `__type`, e.g. `com.amazonaws.sqs`. */
  namespace: string;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  handle(operation: string, input: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
}

export interface AwsJsonServer {
  endpoint: string;
  port: number;
  /** Aborts running handlers (e.g. long polls) and closes every connection. */
  close(): Promise<void>;
}

export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const shutdown = new AbortController();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body ?? {});
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...headers,
    });
    res.end(text);
  };

  const sendError = (res: ServerResponse, err: AwsJsonError) => {
    const headers: Record<string, string> = {};
    if (err.options.queryErrorCode) headers['x-amzn-query-error'] = `${err.options.queryErrorCode};Sender`;
    send(
      res,
      err.options.status ?? 400,
      { __type: `${options.namespace}#${err.name}`, message: err.message },
      headers,
    );
  };

  const server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      // A bug in an emulator must look like an AWS 500, not hang the SDK.
      if (!res.headersSent) {
        send(res, 500, {
          __type: `${options.namespace}#InternalFailure`,
          message: err instanceof Error ? err.message : String(err),
        });
      } else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    if (
      req.method !== 'POST' ||
      typeof target !== 'string' ||
      !target.startsWith(`${options.targetPrefix}.`)
    ) {
      await drain(req);
      sendError(
        res,
        new AwsJsonError(
          'UnknownOperationException',
          `Expected POST with X-Amz-Target ${options.targetPrefix}.<Operation>`,
        ),
      );
      return;
    }
    const operation = target.slice(options.targetPrefix.length + 1);
    let input: unknown;
    try {
      const raw = await readBody(req, options.maxBodyBytes);
      input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch (err) {
      const tooLarge = err instanceof BodyTooLargeError;
      sendError(
        res,
        new AwsJsonError(
          tooLarge ? 'RequestEntityTooLarge' : 'SerializationException',
          tooLarge ? 'Request body too large' : 'Request body is not valid JSON',
          { status: tooLarge ? 413 : 400 },
        ),
      );
      return;
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      sendError(res, new AwsJsonError('SerializationException', 'Request body must be a JSON object'));
      return;
    }
    // A client that hangs up (e.g. an aborted long poll) ends its handler too.
    const perRequest = AbortSignal.any([shutdown.signal, abortOnClose(res)]);
    try {
      const output = await options.handle(operation, input as Record<string, unknown>, perRequest);
      if (!res.writableEnded && !res.destroyed) send(res, 200, output);
    } catch (err) {
      if (res.writableEnded || res.destroyed) return;
      if (err instanceof AwsJsonError) sendError(res, err);
      else throw err;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    endpoint: `http://${hostForUrl}:${port}`,
    port,
    close: async () => {
      shutdown.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The SDK keeps sockets alive; without this close() waits for them to idle out.
        server.closeAllConnections();
      });
    },
  };
}

class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

function abortOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
