/**
 * One Lambda execution environment: this worker thread loads one function's handler module (its
 * own module state, like a container) and runs one invocation at a time, as its host sends them.
 * CPU time is measured here, around the handler, on this thread only: what Lambda bills. So are
 * the AWS SDK commands the invocation sent (the benchmark's calls per request).
 */
import { Session } from 'node:inspector/promises';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { awsCallCounter } from '../../lambdas/adapters/aws-clients.js';
import { lambdaContext } from '../lambda-context.js';
import { routeSandboxAcquirer } from './acquirer-client.js';
import { type HostMessage, type WorkerMessage, type WorkerSetup, errorParts } from './protocol.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const port = parentPort!;
const setup = workerData as WorkerSetup;
const send = (message: WorkerMessage) => port.postMessage(message);

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.threadCpuUsage(start);
  return (used.user + used.system) / 1000;
};

async function invoke(handler: Handler, message: Extract<HostMessage, { type: 'invoke' }>) {
  const context = lambdaContext(setup.functionName, setup.timeoutSeconds, setup.memoryMb, {
    deadline: message.deadline,
    awsRequestId: message.awsRequestId,
  });
  awsCallCounter.reset(); // one invocation at a time: what it counts now is this invocation's
  const start = process.threadCpuUsage();
  try {
    const value = await handler(message.event, context);
    const cpuMs = cpuMsSince(start);
    send({ type: 'result', id: message.id, ok: true, value, cpuMs, awsCalls: awsCallCounter.byCommand() });
  } catch (error) {
    const cpuMs = cpuMsSince(start);
    const awsCalls = awsCallCounter.byCommand();
    send({ type: 'result', id: message.id, ok: false, ...errorParts(error), cpuMs, awsCalls });
  }
}

let profiler: Session | undefined;
/** A CPU profile of this worker (this thread only), for the benchmark's --cpu-profile. */
async function profile(action: 'start' | 'stop'): Promise<void> {
  if (action === 'start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    send({ type: 'profile' });
    return;
  }
  const result = profiler ? await profiler.post('Profiler.stop') : undefined;
  profiler?.disconnect();
  profiler = undefined;
  send({ type: 'profile', profile: result?.profile });
}

try {
  const module = (await import(setup.entryUrl)) as { handler?: Handler };
  if (typeof module.handler !== 'function') throw new Error(`${setup.entryUrl} exports no handler`);
  const handler = module.handler;
  const acquirerRoute = routeSandboxAcquirer(port);
  port.on('message', (message: HostMessage) => {
    if (message.type === 'invoke') void invoke(handler, message);
    else if (message.type === 'acquirer-answer') acquirerRoute?.answer(message);
    else if (message.type === 'profile') void profile(message.action);
  });
  send({ type: 'ready' });
} catch (error) {
  // Lambda reports a module that fails to load as Runtime.ImportModuleError on every invocation.
  send({
    type: 'init-error',
    errorType: 'Runtime.ImportModuleError',
    errorMessage: errorParts(error).errorMessage,
  });
}
