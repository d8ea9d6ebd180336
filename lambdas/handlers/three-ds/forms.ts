/**
 * Reading the forms the 3-D Secure routes receive: url-encoded, within the route's size, every field
 * at most once, each checked against its pattern. A half-understood form changes nothing; the
 * reason names the field, never its value.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { BrowserData } from '../../core/three-ds-server.js';
import { bodyBytes, bodyText, header } from '../http/api-gateway.js';

const MAX_BODY_BYTES = 16 * 1024;

type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface Form {
  one(name: string, pattern: RegExp): Read<string>;
  optional(name: string, pattern: RegExp): Read<string | undefined>;
}

export function readForm(
  event: APIGatewayProxyEvent,
): { ok: true; form: Form } | { ok: false; reason: string } {
  // Stryker disable next-line OptionalChaining: split() always yields a first element, so `[0]?.` never short-circuits
  const contentType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') return { ok: false, reason: 'content-type' };
  if (bodyBytes(event) > MAX_BODY_BYTES) return { ok: false, reason: 'too large' };
  const params = new URLSearchParams(bodyText(event));
  const optional = (name: string, pattern: RegExp): Read<string | undefined> => {
    const values = params.getAll(name);
    if (values.length > 1) return { ok: false, reason: `repeated ${name}` };
    if (values.length === 0) return { ok: true, value: undefined };
    return pattern.test(values[0]!) ? { ok: true, value: values[0]! } : { ok: false, reason: name };
  };
  const one = (name: string, pattern: RegExp): Read<string> => {
    const read = optional(name, pattern);
    if (!read.ok) return read;
    return read.value === undefined
      ? { ok: false, reason: `missing ${name}` }
      : { ok: true, value: read.value };
  };
  return { ok: true, form: { one, optional } };
}

const SMALL_INT = /^-?\d{1,5}$/;

/** The AReq's browser fields: what our script measured, plus the request's own headers. */
export function browserData(form: Form, event: APIGatewayProxyEvent): Read<BrowserData> {
  const js = form.one('javascriptEnabled', /^(true|false)$/);
  if (!js.ok) return js;
  const language = form.optional('language', /^[A-Za-z0-9-]{0,35}$/);
  if (!language.ok) return language;
  const base = {
    acceptHeader: (header(event, 'accept') ?? '*/*').slice(0, 2048),
    userAgent: (header(event, 'user-agent') ?? '').slice(0, 2048),
    ip: event.requestContext?.identity?.sourceIp ?? '',
    language: language.value || acceptLanguage(event) || 'en',
    javascriptEnabled: js.value === 'true',
  };
  if (js.value === 'false') return { ok: true, value: base };
  const numbers: Record<string, number> = {};
  for (const name of ['colorDepth', 'screenHeight', 'screenWidth', 'timeZoneOffset']) {
    const read = form.one(name, SMALL_INT);
    if (!read.ok) return read;
    numbers[name] = Number(read.value);
  }
  const java = form.one('javaEnabled', /^(true|false)$/);
  if (!java.ok) return java;
  return {
    ok: true,
    value: {
      ...base,
      screen: {
        colorDepth: numbers.colorDepth!,
        height: numbers.screenHeight!,
        width: numbers.screenWidth!,
        timeZoneOffset: numbers.timeZoneOffset!,
        javaEnabled: java.value === 'true',
      },
    },
  };
}

function acceptLanguage(event: APIGatewayProxyEvent): string | undefined {
  // Stryker disable next-line OptionalChaining: split() always yields a first element, so `[0]?.` never short-circuits
  return header(event, 'accept-language')?.split(',')[0]?.split(';')[0]?.trim().slice(0, 35);
}
