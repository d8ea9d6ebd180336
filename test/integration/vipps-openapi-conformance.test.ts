/**
 * Our zod schemas against Vipps' published OpenAPI for PSP API v3 (../shared/vipps, beside the
 * repository; not copied into it). For every schema we model: the same properties, required
 * fields, enum values and basic types, checked statically (z.toJSONSchema) and by behaviour
 * (bodies built from the OpenAPI `example` values validate; removing a required field or using a
 * value outside an enum does not). Where we differ on purpose, `deliberate` says why.
 *
 * The YAML is not in this repository: CI has ../shared and fails without it (requireShared); a
 * clone without it skips these checks and says so loudly.
 * The last block (our own leniency rules for makePayment) needs no YAML and always runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as z from 'zod/mini';
import * as s from '../../lambdas/adapters/vipps/schemas.js';
import { testCryptograms } from '../../local/vipps-simulator/test-tokens.js';
import { requireShared } from '../support/shared.js';

const shared = requireShared([
  'vipps/psp-api-v3.openapi.yaml',
  'vipps/psp-api-v3-legacy-encryptedcard.openapi.yaml',
]);
const [currentPath, legacyPath] = shared.paths as [string, string];
const haveYaml = shared.available;

interface OpenApiSchema {
  $ref?: string;
  type?: string;
  enum?: string[];
  example?: unknown;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
}
interface OpenApi {
  components: { schemas: Record<string, OpenApiSchema> };
}
const load = (file: string) => parse(readFileSync(file, 'utf8')) as OpenApi;
const current = haveYaml ? load(currentPath) : undefined;
const legacy = haveYaml ? load(legacyPath) : undefined;

type AnySchema = z.ZodMiniType;
/** OpenAPI component → our schema. */
const modelled: Record<string, AnySchema> = {
  ErrorDetails: s.ErrorDetails,
  ErrorMessage: s.ErrorMessage,
  Response: s.Response,
  PaymentInitiationRepresentation: s.PaymentInitiationRepresentation,
  InitiatePaymentRequest: s.InitiatePaymentRequest,
  PaymentDetailsRepresentation: s.PaymentDetailsRepresentation,
  TransactionSummary: s.TransactionSummary,
  PaymentTransactionDetails: s.PaymentTransactionDetails,
  PaymentStatus: s.PaymentStatus,
  TransactionInfo: s.TransactionInfo,
  PaymentInfo: s.PaymentInfo,
  MakePaymentResponse: s.MakePaymentResponse,
  Operation3DSecure: s.Operation3DSecure,
  ForceApproveRequest: s.ForceApproveRequest,
  NetworkToken: s.NetworkToken,
  MakePaymentRequest: s.MakePaymentRequest,
  TokenType: s.TokenType,
  PaymentInstrument: s.PaymentInstrument,
};
/** Components we do not use: PSP recurring (userToken payments), which we do not offer. */
const notUsed = new Set(['Scope', 'PaymentTokenRepresentation', 'ProcessPaymentOnToken']);

/** Where we differ from the OpenAPI on purpose (schema.property → why). */
const deliberate: Record<string, string> = {
  'MakePaymentRequest.operations':
    'optional: the URLs are needed only for a 3-D Secure step-up, and without them we answer 94 (DESIGN.md) instead of refusing a payment that is rarely soft-declined',
  'PaymentTransactionDetails.operation':
    'any string is accepted in this answer: an operation Vipps adds later must not make the details unreadable',
};
/**
 * MakePaymentRequest is parsed into a normalised shape (a pipe with conditional rules), so it is
 * checked by behaviour only; its parts (NetworkToken, Operation3DSecure, enums) are checked statically.
 */
const behaviourOnly = new Set(['MakePaymentRequest']);

function resolve(doc: OpenApi, schema: OpenApiSchema): OpenApiSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return target;
}

/** A body made of the OpenAPI's own example values. */
function exampleOf(doc: OpenApi, raw: OpenApiSchema): unknown {
  const schema = resolve(doc, raw);
  if (raw.example !== undefined) return raw.example;
  if (schema.example !== undefined && !schema.properties) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'array') return [exampleOf(doc, schema.items ?? {})];
  if (schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, exampleOf(doc, v)]));
  }
  return { integer: 1, number: 1, boolean: false }[schema.type ?? ''] ?? 'x';
}

/** The enum values the OpenAPI (this revision or the legacy one) allows for a property. */
function expectedEnum(name: string, prop: string | undefined): string[] | undefined {
  const values = new Set<string>();
  for (const doc of [current!, legacy!]) {
    const component = doc.components.schemas[name];
    if (!component) continue;
    const target = prop === undefined ? component : component.properties?.[prop];
    if (!target) continue;
    for (const v of resolve(doc, target).enum ?? []) values.add(v);
  }
  return values.size > 0 ? [...values].sort() : undefined;
}

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}
const jsonSchemaOf = (schema: AnySchema) => z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
const branches = (j: JsonSchema): JsonSchema[] => (j.anyOf ? j.anyOf.flatMap(branches) : [j]);
const ourEnum = (j: JsonSchema) => {
  const values = branches(j).flatMap((b) => b.enum ?? []);
  return values.length > 0 ? values.map(String).sort() : undefined;
};
const ourTypes = (j: JsonSchema) => new Set(branches(j).map((b) => b.type ?? (b.enum ? 'string' : 'object')));

function openApiType(doc: OpenApi, raw: OpenApiSchema): string {
  const schema = resolve(doc, raw);
  return schema.type ?? (schema.properties ? 'object' : 'string');
}

const pspSchemas = haveYaml ? Object.keys(current!.components.schemas) : [];
const objectSchemas = pspSchemas.filter((n) => modelled[n] && current!.components.schemas[n]?.properties);

describe.skipIf(!haveYaml)(`Vipps OpenAPI conformance${shared.skipNote}`, () => {
  it('models every schema of the OpenAPI, or says why not', () => {
    const unaccounted = pspSchemas.filter((n) => !modelled[n] && !notUsed.has(n));
    expect(unaccounted).toEqual([]);
  });

  describe.each(objectSchemas.filter((n) => !behaviourOnly.has(n)))('%s (static)', (name) => {
    const openapi = () => current!.components.schemas[name]!;
    const ours = () => jsonSchemaOf(modelled[name]!);

    it('has the same properties and required fields', () => {
      expect(Object.keys(ours().properties ?? {}).sort()).toEqual(
        Object.keys(openapi().properties ?? {}).sort(),
      );
      expect([...(ours().required ?? [])].sort()).toEqual([...(openapi().required ?? [])].sort());
    });

    it('has the same enum values and basic types', () => {
      for (const [prop, raw] of Object.entries(openapi().properties ?? {})) {
        const mine = ours().properties?.[prop];
        expect(mine, `${name}.${prop}`).toBeDefined();
        const wanted = openApiType(current!, raw);
        const types = ourTypes(mine!);
        const typeOk = types.has(wanted) || (wanted === 'integer' && types.has('number'));
        expect(typeOk, `${name}.${prop}: ${wanted} vs ${[...types].join('|')}`).toBe(true);
        const expected = expectedEnum(name, prop);
        if (deliberate[`${name}.${prop}`]) {
          // Lenient on purpose: the published values must still be among what we accept.
          expect(ourEnum(mine!) ?? []).toEqual(expect.arrayContaining(expected ?? []));
          continue;
        }
        expect(ourEnum(mine!), `${name}.${prop}`).toEqual(expected);
      }
    });
  });

  it.each(['TokenType', 'PaymentInstrument'])(
    'enum %s has the same values (current ∪ legacy revision)',
    (name) => {
      expect(ourEnum(jsonSchemaOf(modelled[name]!))).toEqual(expectedEnum(name, undefined));
    },
  );

  describe.each(objectSchemas)('%s (behaviour)', (name) => {
    const schema = () => modelled[name]!;
    const openapi = () => current!.components.schemas[name]!;
    const example = () => exampleOf(current!, openapi()) as Record<string, unknown>;

    it('accepts a body built from the OpenAPI examples', () => {
      const result = schema().safeParse(example());
      expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
    });

    it('refuses the body without each required field, and accepts it without each optional one', () => {
      for (const prop of Object.keys(openapi().properties ?? {})) {
        const { [prop]: _gone, ...rest } = example();
        const required = (openapi().required ?? []).includes(prop) && !deliberate[`${name}.${prop}`];
        expect(schema().safeParse(rest).success, `${name} without ${prop}`).toBe(!required);
      }
    });

    it('accepts every enum value and refuses one outside the enum', () => {
      for (const [prop, raw] of Object.entries(openapi().properties ?? {})) {
        const values = resolve(current!, raw).enum;
        if (!values) continue;
        for (const value of values) {
          expect(
            schema().safeParse({ ...example(), [prop]: value }).success,
            `${name}.${prop}=${value}`,
          ).toBe(true);
        }
        const outside = schema().safeParse({ ...example(), [prop]: 'NOT_AN_ENUM_VALUE' }).success;
        expect(outside, `${name}.${prop} outside the enum`).toBe(Boolean(deliberate[`${name}.${prop}`]));
      }
    });
  });

  describe('legacy ENCRYPTEDCARD revision', () => {
    const legacyRequest = () => legacy!.components.schemas.MakePaymentRequest!;

    it('documents cardData and the ENCRYPTEDCARD instrument', () => {
      expect(legacyRequest().properties).toHaveProperty('cardData');
      expect(legacyRequest().required).toContain('cardData');
      expect(legacy!.components.schemas.PaymentInstrument?.enum).toContain('ENCRYPTEDCARD');
    });

    it('an ENCRYPTEDCARD body built from its examples validates, networkToken null or absent', () => {
      const body = exampleOf(legacy!, legacyRequest()) as Record<string, unknown>;
      const encrypted = { ...body, paymentInstrument: 'ENCRYPTEDCARD', networkToken: null };
      const parsed = s.parseMakePaymentRequest(encrypted);
      expect(parsed.success && parsed.data.outcome === 'ACCEPTED' && parsed.data.paymentInstrument).toBe(
        'ENCRYPTEDCARD',
      );
      const { networkToken: _absent, ...withoutToken } = encrypted;
      expect(s.parseMakePaymentRequest(withoutToken).success).toBe(true);
      // As published (both card fields present, instrument TOKEN): the instrument decides.
      const asPublished = s.parseMakePaymentRequest(body);
      expect(
        asPublished.success && asPublished.data.outcome === 'ACCEPTED' && asPublished.data.paymentInstrument,
      ).toBe('TOKEN');
    });
  });
});

describe('MakePaymentRequest: our leniency and strictness rules', () => {
  const token = {
    number: '5226603115488031',
    cryptogram: testCryptograms.A,
    expiryMonth: '05',
    expiryYear: '2025',
    tokenType: 'MASTERCARD',
    eci: '06',
  };
  const accepted = {
    pspTransactionId: 'a1b2c3',
    merchantSerialNumber: '123456',
    paymentState: 'ACCEPTED',
    paymentInstrument: 'TOKEN',
    binNumber: '522660',
    operations: [
      {
        url: 'https://vipps.example/mobileintercept?transactionId=1&responsecode=OK',
        operation: '3dssuccess',
      },
    ],
    networkToken: token,
  };
  const issuesOf = (body: unknown) => {
    const r = s.parseMakePaymentRequest(body);
    return r.success ? [] : r.issues;
  };

  it.each(Object.entries(testCryptograms))('accepts Vipps’ test cryptogram %s', (_name, cryptogram) => {
    expect(s.NetworkToken.safeParse({ ...token, cryptogram }).success).toBe(true);
  });

  it('refuses an accepted TOKEN payment without a complete network token or BIN', () => {
    const { networkToken: _n, ...noToken } = accepted;
    expect(issuesOf(noToken)).toEqual(['networkToken: is required when paymentInstrument is TOKEN']);
    const { binNumber: _b, ...noBin } = accepted;
    expect(issuesOf(noBin)).toEqual(['binNumber: is required']);
    expect(
      issuesOf({
        ...accepted,
        networkToken: { ...token, expiryMonth: '13', expiryYear: '25', tokenType: 'AMEX' },
      }),
    ).toEqual([
      'networkToken.expiryMonth: must be a two-digit month 01–12',
      'networkToken.expiryYear: must be a four-digit year',
      'networkToken.tokenType: must be one of "VISA", "MASTERCARD"',
    ]);
  });

  it('never repeats a rejected value in its issues, and still names the pspTransactionId', () => {
    const result = s.parseMakePaymentRequest({
      ...accepted,
      merchantSerialNumber: 'x',
      networkToken: { ...token, number: '52266031154880319999' },
    });
    expect(result).toMatchObject({ success: false, pspTransactionId: 'a1b2c3' });
    expect(JSON.stringify(result)).not.toContain('5226603115488031');
  });

  it('takes a cancelled or timed-out payment without card data, whatever card fields came along', () => {
    for (const [state, endState] of [
      ['USER_CANCEL', 'CANCEL'],
      ['TIMEOUT', 'TIMEOUT'],
    ] as const) {
      const r = s.parseMakePaymentRequest({
        pspTransactionId: 'a1',
        merchantSerialNumber: '123456',
        paymentState: state,
        networkToken: 'junk',
        operations: 7,
      });
      expect(r).toEqual({
        success: true,
        data: {
          pspTransactionId: 'a1',
          merchantSerialNumber: '123456',
          stateField: 'paymentState',
          outcome: 'ENDED',
          endState,
        },
      });
    }
  });

  it('reads the legacy `confirmed` (any case), and a v2 body with only cardData as ENCRYPTEDCARD', () => {
    const r = s.parseMakePaymentRequest({
      pspTransactionId: 'a1',
      merchantSerialNumber: '123456',
      confirmed: 'Yes',
      cardData: 'abc',
    });
    expect(r).toMatchObject({
      success: true,
      data: {
        outcome: 'ACCEPTED',
        stateField: 'confirmed',
        paymentInstrument: 'ENCRYPTEDCARD',
        cardData: 'abc',
        operations: [],
      },
    });
    const no = s.parseMakePaymentRequest({
      pspTransactionId: 'a1',
      merchantSerialNumber: '123456',
      confirmed: 'NO',
    });
    expect(no).toMatchObject({ success: true, data: { outcome: 'ENDED', endState: 'NO' } });
  });

  it('wants exactly one of paymentState and confirmed', () => {
    const { paymentState: _p, ...neither } = accepted;
    expect(issuesOf(neither)).toEqual(['paymentState: is required (or the legacy confirmed)']);
    expect(issuesOf({ ...accepted, confirmed: 'YES' })).toEqual([
      'confirmed: send either paymentState or the legacy confirmed, not both',
    ]);
  });

  it('drops unusable operations entries but refuses operations that are not a list', () => {
    const r = s.parseMakePaymentRequest({
      ...accepted,
      operations: [
        ...accepted.operations,
        { operation: '3dsfailure' },
        { url: 'https://x', operation: 'later' },
      ],
    });
    expect(r.success && r.data.outcome === 'ACCEPTED' && r.data.operations).toEqual(accepted.operations);
    expect(issuesOf({ ...accepted, operations: {} })).toEqual(['operations: must be an array']);
    const { operations: _o, ...noOperations } = accepted;
    expect(s.parseMakePaymentRequest(noOperations)).toMatchObject({
      success: true,
      data: { operations: [] },
    });
  });

  it('leaves cardData content to the decryption step (answer 92, not 71), but wants a string', () => {
    const encrypted = {
      ...accepted,
      paymentInstrument: 'ENCRYPTEDCARD',
      networkToken: null,
      binNumber: undefined,
    };
    expect(issuesOf({ ...encrypted, cardData: 'not base64 at all' })).toEqual([]);
    expect(issuesOf({ ...encrypted, cardData: 42 })).toEqual([
      'cardData: must be a string when paymentInstrument is ENCRYPTEDCARD',
    ]);
  });
});
