/**
 * What a function's host and its workers say to each other over the worker's message port. Every
 * message is structured-cloned, so only plain data crosses: events, results, error names.
 */

/** How an invocation ended, as Lambda reports it to its caller (API Gateway, the SQS mapping …). */
export type Invocation =
  | { kind: 'ok'; value: unknown; cpuMs?: number; awsCalls?: AwsCalls; durationMs: number }
  /** The handler threw (Lambda: an "Unhandled" function error with errorType/errorMessage). */
  | {
      kind: 'error';
      errorType: string;
      errorMessage: string;
      cpuMs?: number;
      awsCalls?: AwsCalls;
      durationMs: number;
    }
  /** The function's timeout passed; the invocation was abandoned (its worker is discarded). */
  | { kind: 'timeout'; timeoutSeconds: number; durationMs: number };

/** Lambda's own line for a timed-out invocation, e.g. `Task timed out after 13.00 seconds`. */
export const timedOutMessage = (seconds: number): string =>
  `Task timed out after ${seconds.toFixed(2)} seconds`;

/** AWS SDK commands sent during an invocation, e.g. `{ 'dynamodb:GetItemCommand': 1 }`. */
export type AwsCalls = Record<string, number>;

export interface WorkerSetup {
  functionName: string;
  /** file: URL of the handler module (the same module Lambda runs). */
  entryUrl: string;
  memoryMb: number;
  timeoutSeconds: number;
}

export type HostMessage =
  | { type: 'invoke'; id: number; event: unknown; deadline: number; awsRequestId: string }
  /** Start or stop a V8 CPU profile of the worker (the benchmark's --cpu-profile). */
  | { type: 'profile'; action: 'start' | 'stop' }
  | { type: 'acquirer-answer'; callId: number; ok: true; value: unknown }
  | { type: 'acquirer-answer'; callId: number; ok: false; errorName: string; errorMessage: string };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; errorType: string; errorMessage: string }
  | { type: 'result'; id: number; ok: true; value: unknown; cpuMs: number; awsCalls: AwsCalls }
  | {
      type: 'result';
      id: number;
      ok: false;
      errorType: string;
      errorMessage: string;
      cpuMs: number;
      awsCalls: AwsCalls;
    }
  | { type: 'acquirer-call'; callId: number; method: AcquirerMethod; args: unknown[] }
  | { type: 'acquirer-abort'; callId: number }
  /** A profile was started (no profile) or stopped (the V8 CPU profile). */
  | { type: 'profile'; profile?: unknown };

export const ACQUIRER_METHODS = ['authorise', 'capture', 'refund', 'cancel', 'reverse'] as const;
export type AcquirerMethod = (typeof ACQUIRER_METHODS)[number];

export function errorParts(error: unknown): { errorType: string; errorMessage: string } {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message };
  return { errorType: 'Error', errorMessage: String(error) };
}
