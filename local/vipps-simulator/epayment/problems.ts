/**
 * Vipps' ePayment error answers: RFC 7807 problem+json with a traceId and Vipps' ErrorCode in
 * extraDetails (vippsas/agent-toolkit epayment errors reference). Every detail the simulator
 * writes names the rule it applied and where that rule is published, so a reviewer can tell a
 * Vipps rule from a simulator guess.
 */
import { randomUUID } from 'node:crypto';
import type { SimResponse } from '../http-util.js';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export function problem(status: number, detail: string, errorCode?: string): SimResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json; charset=utf-8' },
    json: {
      type: 'https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors',
      title: titles[status] ?? 'Error',
      status,
      detail,
      instance: `/problems/${randomUUID()}`,
      traceId: randomUUID().replace(/-/g, ''),
      extraDetails: errorCode ? [{ name: 'ErrorCode', reason: errorCode }] : [],
    },
  };
}

/** Where the simulator's rules come from (contract doc source ids: S1, T2, …). */
export const sources = {
  spec: 'ePayment API spec v1.4.1 (vippsas/vipps-epayment-api docs/epayment.v1.yml)',
  spec2024: 'ePayment API types 2024-11 (vippsas/deno-sdk, generated from the official spec)',
  pspGuide: 'ePayment PSP API guide (developer.vippsmobilepay.com/docs/APIs/psp-epayment-api)',
  errors: 'ePayment errors reference (vippsas/agent-toolkit epayment/references/errors.md)',
  webhooks: 'Webhooks API (developer.vippsmobilepay.com/docs/APIs/webhooks-api)',
  headers: 'HTTP headers knowledge base (developer.vippsmobilepay.com/docs/knowledge-base/http-headers)',
} as const;
