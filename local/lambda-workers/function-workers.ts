/**
 * One function's execution environments, as Lambda keeps them: a worker thread per environment,
 * each running one invocation at a time; a new one starts (a cold start) when every existing one
 * is busy, up to the function's concurrency; beyond that invocations wait their turn. The
 * function's timeout is enforced: the invocation is abandoned, reported as Lambda reports it, and
 * its worker discarded (Lambda resets the environment after a timeout).
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { AcquirerService } from './acquirer-service.js';
import {
  type AwsCalls,
  type Invocation,
  type WorkerMessage,
  type WorkerSetup,
  errorParts,
  timedOutMessage,
} from './protocol.js';

export interface FunctionWorkersOptions extends WorkerSetup {
  /** Most environments at once (Lambda: reserved concurrency, else the account's pool). */
  concurrency: number;
  /** The function's environment variables. */
  env: Record<string, string | undefined>;
  acquirer?: AcquirerService;
  /** Where Lambda's own lines go (the function's log stream). Default: stdout. */
  logLine?: (line: string) => void;
}

export interface FunctionStats {
  invocations: number;
  coldStarts: number;
  timeouts: number;
  /** CPU time of each completed invocation, measured in its worker around the handler (ms). */
  cpuMs: number[];
  /** AWS SDK commands the invocations sent, summed. */
  awsCalls: AwsCalls;
}

interface Job {
  event: unknown;
  resolve(outcome: Invocation): void;
}

interface Environment {
  worker: Worker;
  busy: boolean;
  /** Waiting for the worker's answer to a profile start/stop. */
  profileAnswer?: (profile: unknown) => void;
  current?: { id: number; started: number; finish(outcome: Invocation): void };
}

const workerMainUrl = new URL('./worker-main.ts', import.meta.url).href;
const tsxApiPath = createRequire(import.meta.url).resolve('tsx/esm/api');
/** Workers are plain Node: register tsx first, so they load the very same TypeScript modules. */
const bootstrap = `require(${JSON.stringify(tsxApiPath)}).register();
import(${JSON.stringify(workerMainUrl)}).catch((error) => { console.error(error); process.exit(1); });`;

export class FunctionWorkers {
  readonly #options: FunctionWorkersOptions;
  readonly #environments = new Set<Environment>();
  readonly #queue: Job[] = [];
  readonly #stats: FunctionStats = { invocations: 0, coldStarts: 0, timeouts: 0, cpuMs: [], awsCalls: {} };
  #starting = 0;
  #nextId = 0;
  #stopped = false;

  constructor(options: FunctionWorkersOptions) {
    if (!(options.concurrency >= 1)) throw new Error(`concurrency must be ≥ 1, got ${options.concurrency}`);
    this.#options = options;
  }

  invoke(event: unknown): Promise<Invocation> {
    if (this.#stopped) return Promise.reject(new Error(`${this.#options.functionName} is stopped`));
    return new Promise((resolve) => {
      this.#queue.push({ event, resolve });
      this.#pump();
    });
  }

  /**
   * Start environments now until there are `count` (and wait for them): a configuration error
   * shows at start-up, and a benchmark or test can begin with warm workers.
   */
  async warm(count = 1): Promise<void> {
    const missing = Math.min(count, this.#options.concurrency) - this.#environments.size - this.#starting;
    await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.#start()));
    this.#pump();
  }

  /**
   * Profile every environment that exists now until `stop()`, which returns one V8 CPU profile
   * per environment (the benchmark's --cpu-profile: where an invocation's CPU time goes).
   */
  async profile(): Promise<{ stop(): Promise<unknown[]> }> {
    const environments = [...this.#environments];
    const ask = (e: Environment, action: 'start' | 'stop') =>
      new Promise<unknown>((resolve) => {
        e.profileAnswer = resolve;
        e.worker.postMessage({ type: 'profile', action });
      });
    await Promise.all(environments.map((e) => ask(e, 'start')));
    return {
      stop: async () => {
        const alive = environments.filter((e) => this.#environments.has(e));
        const profiles = await Promise.all(alive.map((e) => ask(e, 'stop')));
        return profiles.filter((p) => p !== undefined);
      },
    };
  }

  stats(): FunctionStats {
    return { ...this.#stats, cpuMs: [...this.#stats.cpuMs], awsCalls: { ...this.#stats.awsCalls } };
  }

  resetStats(): void {
    Object.assign(this.#stats, { invocations: 0, coldStarts: 0, timeouts: 0, cpuMs: [], awsCalls: {} });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const stopped: Invocation = {
      kind: 'error',
      errorType: 'Stopped',
      errorMessage: 'The local stack stopped',
      durationMs: 0,
    };
    for (const job of this.#queue.splice(0)) job.resolve(stopped);
    for (const environment of this.#environments) environment.current?.finish(stopped);
    await Promise.all([...this.#environments].map((e) => this.#discard(e)));
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const idle = [...this.#environments].find((e) => !e.busy);
      if (idle) {
        this.#run(idle, this.#queue.shift()!);
        continue;
      }
      if (this.#environments.size + this.#starting >= this.#options.concurrency) return;
      if (this.#starting >= this.#queue.length) return; // enough cold starts on their way
      this.#start().then(
        () => this.#pump(),
        (error: unknown) =>
          this.#queue.shift()?.resolve({ kind: 'error', ...errorParts(error), durationMs: 0 }),
      );
    }
  }

  /** A cold start: a new worker that has loaded the handler module. */
  #start(): Promise<void> {
    this.#starting += 1;
    this.#stats.coldStarts += 1;
    const { functionName, entryUrl, memoryMb, timeoutSeconds } = this.#options;
    const setup: WorkerSetup = { functionName, entryUrl, memoryMb, timeoutSeconds };
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: setup,
      env: this.#options.env,
      execArgv: [],
    });
    const environment: Environment = { worker, busy: true };
    return new Promise<void>((resolve, reject) => {
      const failed = (errorType: string, errorMessage: string) => {
        void worker.terminate();
        reject(Object.assign(new Error(errorMessage), { name: errorType }));
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready' && this.#stopped) failed('Stopped', 'The local stack stopped');
        else if (message.type === 'ready') {
          environment.busy = false;
          this.#environments.add(environment);
          resolve();
        } else if (message.type === 'init-error') failed(message.errorType, message.errorMessage);
        else this.#onMessage(environment, message);
      });
      worker.on('error', (error) => this.#crashed(environment, error, failed));
      worker.on('exit', (code) =>
        this.#crashed(environment, new Error(`worker exited with code ${code}`), failed),
      );
    }).finally(() => {
      this.#starting -= 1;
    });
  }

  #run(environment: Environment, job: Job): void {
    const id = ++this.#nextId;
    const started = performance.now();
    const awsRequestId = randomUUID();
    const timeoutMs = this.#options.timeoutSeconds * 1000;
    environment.busy = true;
    const timer = setTimeout(() => {
      this.#stats.timeouts += 1;
      (this.#options.logLine ?? ((l: string) => process.stdout.write(`${l}\n`)))(
        `${new Date().toISOString()} ${awsRequestId} ${timedOutMessage(this.#options.timeoutSeconds)}`,
      );
      environment.current?.finish({
        kind: 'timeout',
        timeoutSeconds: this.#options.timeoutSeconds,
        durationMs: performance.now() - started,
      });
      void this.#discard(environment);
    }, timeoutMs);
    environment.current = {
      id,
      started,
      finish: (outcome) => {
        clearTimeout(timer);
        environment.current = undefined;
        this.#stats.invocations += 1;
        if (outcome.kind !== 'timeout') this.#count(outcome.cpuMs, outcome.awsCalls);
        job.resolve(outcome);
      },
    };
    environment.worker.postMessage({
      type: 'invoke',
      id,
      event: job.event,
      deadline: Date.now() + timeoutMs,
      awsRequestId,
    });
  }

  #count(cpuMs: number | undefined, awsCalls: AwsCalls = {}): void {
    if (cpuMs !== undefined) this.#stats.cpuMs.push(cpuMs);
    for (const [command, n] of Object.entries(awsCalls))
      this.#stats.awsCalls[command] = (this.#stats.awsCalls[command] ?? 0) + n;
  }

  #onMessage(environment: Environment, message: WorkerMessage): void {
    if (message.type === 'profile') {
      environment.profileAnswer?.(message.profile);
      environment.profileAnswer = undefined;
      return;
    }
    if (message.type === 'acquirer-call' || message.type === 'acquirer-abort') {
      this.#options.acquirer?.handle(environment.worker, message);
      return;
    }
    if (message.type !== 'result' || environment.current?.id !== message.id) return;
    const durationMs = performance.now() - environment.current.started;
    environment.current.finish(
      message.ok
        ? { kind: 'ok', value: message.value, cpuMs: message.cpuMs, awsCalls: message.awsCalls, durationMs }
        : {
            kind: 'error',
            errorType: message.errorType,
            errorMessage: message.errorMessage,
            cpuMs: message.cpuMs,
            awsCalls: message.awsCalls,
            durationMs,
          },
    );
    environment.busy = false;
    this.#pump();
  }

  /** The worker died (an uncaught error, process.exit): Lambda fails the invocation and resets. */
  #crashed(
    environment: Environment,
    error: Error,
    failedToStart: (type: string, message: string) => void,
  ): void {
    if (!this.#environments.has(environment)) {
      failedToStart('Runtime.ExitError', error.message);
      return;
    }
    environment.current?.finish({
      kind: 'error',
      errorType: 'Runtime.ExitError',
      errorMessage: error.message,
      durationMs: performance.now() - environment.current.started,
    });
    void this.#discard(environment).then(() => this.#pump());
  }

  async #discard(environment: Environment): Promise<void> {
    if (!this.#environments.delete(environment)) return;
    this.#options.acquirer?.abandon(environment.worker);
    environment.worker.removeAllListeners('exit');
    await environment.worker.terminate();
    if (!this.#stopped) this.#pump();
  }
}
