/**
 * The 3-D Secure pages as the Lambda entry builds them from the wiring (threeDsPagesFromWiring):
 * the dashboard's counters, FRAME_ANCESTORS from the configuration, and a store that cannot run
 * the flow refused at start-up rather than at the first shopper.
 */
import { describe, expect, it } from 'vitest';
import { type ThreeDsEntryDeps, handler, threeDsPagesFromWiring } from '../../lambdas/handlers/three-ds.js';
import {
  BROWSER,
  FORM,
  InMemoryThreeDsSessions,
  inputValue,
  pendingThreeDsSession,
  threeDsEvent,
} from '../support/in-memory-three-ds.js';
import { contextBoundVault } from '../support/context-bound-vault.js';
import {
  ChallengingThreeDsServer,
  MemoryLog,
  NOW,
  VIPPS_AND_US,
  directive,
} from '../support/three-ds-pages-fakes.js';
import { RecordingMetrics } from '../support/recording-metrics.js';
import { TestClock } from '../support/three-ds-harness.js';
import { unreachableLocalEnvironment } from '../support/stage-config.js';
import { lambdaContext } from '../support/lambda-context.js';

const vault = contextBoundVault();

function wired(config: ThreeDsEntryDeps['config'] = { PUBLIC_BASE_URL: 'https://psp.example' }) {
  const metrics = new RecordingMetrics();
  const sessions = new InMemoryThreeDsSessions();
  const server = new ChallengingThreeDsServer();
  const pages = threeDsPagesFromWiring({
    threeDsSessions: sessions,
    vault,
    threeDsServer: server,
    clock: new TestClock(NOW),
    log: new MemoryLog(),
    metrics: metrics.asMetrics(),
    config,
  });
  return { pages, sessions, server, published: metrics.emitted };
}

describe('the pages as the Lambda entry wires them', () => {
  it('count each session started and how it ended (ThreeDsSession), and each authentication (ThreeDsAuthentication)', async () => {
    const { pages, sessions, server, published } = wired();
    server.ares = { status: 'FAILED', transStatus: 'N' };
    const session = await pendingThreeDsSession(vault, NOW);
    await sessions.create(session);
    const page = await pages(threeDsEvent({ method: 'GET', sessionId: session.sessionId }));
    const csrf = inputValue(page.body, 'csrf')!;
    const answer = await pages(
      threeDsEvent({
        method: 'POST',
        sessionId: session.sessionId,
        body: new URLSearchParams({ step: 'authenticate', csrf, ...BROWSER }).toString(),
        headers: { 'Content-Type': FORM },
      }),
    );
    expect(answer.statusCode).toBe(302);
    expect(published).toEqual([
      { name: 'ThreeDsSession', unit: 'Count', value: 1, dimensions: { result: 'started' } },
      { name: 'ThreeDsAuthentication', unit: 'Count', value: 1, dimensions: { outcome: 'failed' } },
      { name: 'ThreeDsSession', unit: 'Count', value: 1, dimensions: { result: 'failure' } },
    ]);
  });

  it('FRAME_ANCESTORS from the configuration frames the page; without it, Vipps and ourselves', async () => {
    for (const [frameAncestors, expected] of [
      [['https://app.example.com'], 'https://app.example.com'],
      [undefined, VIPPS_AND_US],
    ] as const) {
      const { pages, sessions } = wired({
        PUBLIC_BASE_URL: 'https://psp.example',
        ...(frameAncestors ? { FRAME_ANCESTORS: [...frameAncestors] } : {}),
      });
      const session = await pendingThreeDsSession(vault, NOW);
      await sessions.create(session);
      const page = await pages(threeDsEvent({ method: 'GET', sessionId: session.sessionId }));
      expect(directive(page, 'frame-ancestors')).toBe(expected);
    }
  });

  it('a session store without the flow’s conditional writes is refused when the entry is built', () => {
    const plain = new InMemoryThreeDsSessions();
    const store = {
      create: plain.create.bind(plain),
      get: plain.get.bind(plain),
      complete: plain.complete.bind(plain),
    };
    expect(() =>
      threeDsPagesFromWiring({
        threeDsSessions: store,
        vault,
        threeDsServer: new ChallengingThreeDsServer(),
        clock: new TestClock(NOW),
        log: new MemoryLog(),
        metrics: { singleMetric: () => undefined } as unknown as ThreeDsEntryDeps['metrics'],
        config: { PUBLIC_BASE_URL: 'https://psp.example' },
      }),
    ).toThrow('threeDsSessions must be a ThreeDsChallengeStore (DynamoThreeDsSessionStore)');
  });
});

describe('the Lambda entry', () => {
  it('builds the pages from the stage’s configuration on the first request, and answers', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      ...unreachableLocalEnvironment,
      PUBLIC_BASE_URL: 'https://psp.example.com',
      VIPPS_CREDENTIALS_SECRET_ID: 'vipps',
      THREE_DS_BASE_URL: 'http://127.0.0.1:9',
      THREE_DS_API_KEY: 'local-key',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    const context = lambdaContext({ functionName: 'threeDs', remainingMs: 10_000 });
    try {
      // A malformed id is refused before any AWS call: no network needed.
      const first = await handler(threeDsEvent({ method: 'GET', sessionId: 'short' }), context);
      expect(first.statusCode).toBe(404);
      expect(first.body).toContain('Verification not found');
      const second = await handler(threeDsEvent({ method: 'PUT', sessionId: 'short' }), context);
      expect(second.statusCode).toBe(405);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});
