/**
 * 3-D Secure sessions on DynamoDB: one item per session (`3DS#<sessionId>` / `3DS`, see
 * table-design.ts). Expiry is checked in code (and in the conditions below): dynalite has no TTL
 * and DynamoDB's TTL deletes lazily; `expireAt` only lets AWS clean up a day later.
 *
 * Nothing secret is stored in plain text: the network token arrives sealed (makePayment seals it),
 * and the CAVV of a completed authentication is sealed here with the same envelope vault (its own
 * data key, bound to the session by the encryption context). ECI, version and the 3DS transaction
 * id are not secret and stay readable for ops.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SealedSecret, SecretVault, ThreeDsAuthentication } from '../../core/ports.js';
import type { ThreeDsOutcome, ThreeDsSession, ThreeDsSessionState } from '../../core/three-ds-session.js';
import {
  type AuthenticationFlow,
  type ChallengeRecord,
  type ChallengeSession,
  type ThreeDsChallengeStore,
  sessionRef,
} from '../../core/use-cases/three-ds-challenge.js';
import type { EndReason } from '../../core/use-cases/three-ds-endings.js';
import { dynamoCall, getItem, putNew } from './dynamo-call.js';
import { withoutUndefined } from './item-mapping.js';
import { paymentsTable } from './table-design.js';

const PK = paymentsTable.partitionKey;
const SK = paymentsTable.sortKey;
const TTL = paymentsTable.ttlAttribute;
const DAY_SECONDS = 24 * 60 * 60;

export const threeDsSessionKey = (sessionId: string) => ({ [PK]: `3DS#${sessionId}`, [SK]: '3DS' });

/** The encryption context of a sealed CAVV: it opens only for this session and this purpose. */
const cavvContext = (sessionId: string) => ({ sessionId, purpose: 'threeDsCavv' });

/** The stored fields: the session without `authentication`, which is split into these two. */
type StoredSession = Omit<ChallengeSession, 'authentication'> & {
  authenticationInfo?: Omit<ThreeDsAuthentication, 'cavv'>;
  sealedCavv?: SealedSecret;
};

const storedFields = {
  sessionId: true,
  pspTransactionId: true,
  merchantName: true,
  amount: true,
  currency: true,
  createdAt: true,
  expiresAt: true,
  state: true,
  tokenType: true,
  sealedToken: true,
  operations: true,
  completedAt: true,
  serverTransactionId: true,
  flow: true,
  authenticationInfo: true,
  sealedCavv: true,
  endReason: true,
} satisfies Record<keyof StoredSession, true>;
const STORED_FIELDS = Object.keys(storedFields) as ReadonlyArray<keyof StoredSession>;

export interface DynamoThreeDsSessionStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Seals the CAVV on completion and opens it on read (KMS envelope encryption). */
  vault: SecretVault;
  /** How long after expiry DynamoDB may delete the item (default one day). */
  retentionSeconds?: number;
}

export class DynamoThreeDsSessionStore implements ThreeDsChallengeStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly vault: SecretVault;
  private readonly retentionSeconds: number;

  constructor({
    client,
    tableName,
    vault,
    retentionSeconds = DAY_SECONDS,
  }: DynamoThreeDsSessionStoreOptions) {
    this.client = client;
    this.tableName = tableName;
    this.vault = vault;
    this.retentionSeconds = retentionSeconds;
  }

  async create(session: ThreeDsSession): Promise<void> {
    const { authentication, ...rest } = session;
    const stored: StoredSession = {
      ...rest,
      ...(authentication ? await this.sealAuthentication(session.sessionId, authentication) : {}),
    };
    const item = {
      ...pick(stored),
      ...threeDsSessionKey(session.sessionId),
      [TTL]: Math.floor(Date.parse(session.expiresAt) / 1000) + this.retentionSeconds,
    };
    await putNew(
      this.client,
      this.tableName,
      withoutUndefined(item),
      `3DS session ${sessionRef(session.sessionId)}`,
    );
  }

  async get(sessionId: string): Promise<ChallengeSession | undefined> {
    const item = await getItem(this.client, this.tableName, threeDsSessionKey(sessionId), {
      consistent: true,
    });
    if (!item) return undefined;
    const { authenticationInfo, sealedCavv, ...session } = pick(
      item as Partial<StoredSession>,
    ) as StoredSession;
    if (!authenticationInfo || !sealedCavv) return session;
    // Throws if the data key cannot be decrypted or the tag does not verify: never a guessed CAVV.
    const cavv = new TextDecoder().decode(await this.vault.open(sealedCavv, cavvContext(sessionId)));
    return { ...session, authentication: { ...authenticationInfo, cavv } };
  }

  async startFlow(sessionId: string, flow: AuthenticationFlow, at: string): Promise<boolean> {
    return this.update(sessionId, {
      set: '#flow = :flow',
      condition: '#state = :pending AND #expiresAt > :at AND attribute_not_exists(#flow.#challenge)',
      names: ['flow', 'state', 'expiresAt', 'challenge'],
      values: { ':flow': withoutUndefined(flow), ':at': at },
    });
  }

  async claimAuthentication(
    sessionId: string,
    claim: { serverTransactionId: string; pageTokenHash: string },
    at: string,
  ): Promise<boolean> {
    return this.update(sessionId, {
      set: '#flow.#authenticationClaimedAt = :at',
      condition:
        '#state = :pending AND #expiresAt > :at AND #flow.#serverTransactionId = :serverTransactionId' +
        ' AND #flow.#pageTokenHash = :pageTokenHash AND attribute_not_exists(#flow.#authenticationClaimedAt)',
      names: [
        'flow',
        'authenticationClaimedAt',
        'state',
        'expiresAt',
        'serverTransactionId',
        'pageTokenHash',
      ],
      values: {
        ':serverTransactionId': claim.serverTransactionId,
        ':pageTokenHash': claim.pageTokenHash,
        ':at': at,
      },
    });
  }

  async startChallenge(
    sessionId: string,
    change: {
      serverTransactionId: string;
      pageTokenHash: string;
      challenge: ChallengeRecord;
      newTokenHash: string;
    },
    at: string,
  ): Promise<boolean> {
    return this.update(sessionId, {
      set: '#flow.#challenge = :challenge, #flow.#pageTokenHash = :newTokenHash',
      condition:
        '#state = :pending AND #expiresAt > :at AND #flow.#serverTransactionId = :serverTransactionId' +
        ' AND #flow.#pageTokenHash = :pageTokenHash AND attribute_not_exists(#flow.#challenge)',
      names: ['flow', 'challenge', 'pageTokenHash', 'state', 'expiresAt', 'serverTransactionId'],
      values: {
        ':challenge': withoutUndefined(change.challenge),
        ':newTokenHash': change.newTokenHash,
        ':pageTokenHash': change.pageTokenHash,
        ':serverTransactionId': change.serverTransactionId,
        ':at': at,
      },
    });
  }

  async renewPageToken(
    sessionId: string,
    serverTransactionId: string,
    newTokenHash: string,
    at: string,
  ): Promise<boolean> {
    return this.update(sessionId, {
      set: '#flow.#pageTokenHash = :newTokenHash',
      condition:
        '#state = :pending AND #expiresAt > :at AND #flow.#serverTransactionId = :serverTransactionId',
      names: ['flow', 'pageTokenHash', 'state', 'expiresAt', 'serverTransactionId'],
      values: { ':newTokenHash': newTokenHash, ':serverTransactionId': serverTransactionId, ':at': at },
    });
  }

  async markMethodCompleted(sessionId: string, serverTransactionId: string, at: string): Promise<boolean> {
    return this.update(sessionId, {
      set: '#flow.#methodCompletedAt = :at',
      condition:
        '#state = :pending AND #flow.#serverTransactionId = :serverTransactionId' +
        ' AND attribute_not_exists(#flow.#methodCompletedAt) AND attribute_not_exists(#flow.#challenge)',
      names: ['flow', 'methodCompletedAt', 'state', 'serverTransactionId', 'challenge'],
      values: { ':serverTransactionId': serverTransactionId, ':at': at },
    });
  }

  /** One conditional UpdateItem; `:pending` is always bound. */
  private update(
    sessionId: string,
    u: { set: string; condition: string; names: string[]; values: Record<string, unknown> },
  ): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: threeDsSessionKey(sessionId),
        UpdateExpression: `SET ${u.set}`,
        ConditionExpression: u.condition,
        ExpressionAttributeNames: names(...u.names),
        ExpressionAttributeValues: { ...u.values, ':pending': 'PENDING' satisfies ThreeDsSessionState },
      }),
    );
  }

  /**
   * The single-use write: ONE conditional UpdateItem on state = PENDING (and not expired, and, with
   * a guard, the page token of the latest render). An unknown id fails the condition rather than
   * creating a stray item.
   */
  async complete(
    sessionId: string,
    outcome: ThreeDsOutcome,
    guard?: { pageTokenHash: string },
  ): Promise<boolean> {
    const set = ['#state = :state', '#completedAt = :completedAt'];
    const attributeNames = ['state', 'completedAt', 'expiresAt'];
    const values: Record<string, unknown> = {
      ':state': outcome.state,
      ':completedAt': outcome.completedAt,
      ':pending': 'PENDING' satisfies ThreeDsSessionState,
    };
    let condition = '#state = :pending AND #expiresAt > :completedAt';
    if (outcome.authentication) {
      const sealed = await this.sealAuthentication(sessionId, outcome.authentication);
      set.push('#authenticationInfo = :authenticationInfo', '#sealedCavv = :sealedCavv');
      attributeNames.push('authenticationInfo', 'sealedCavv');
      values[':authenticationInfo'] = sealed.authenticationInfo;
      values[':sealedCavv'] = sealed.sealedCavv;
    }
    if (guard) {
      condition += ' AND #flow.#pageTokenHash = :pageTokenHash';
      attributeNames.push('flow', 'pageTokenHash');
      values[':pageTokenHash'] = guard.pageTokenHash;
    }
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: threeDsSessionKey(sessionId),
      UpdateExpression: `SET ${set.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names(...attributeNames),
      ExpressionAttributeValues: values,
    });
    return this.conditional(update);
  }

  /**
   * The session got no answer from the issuer (expired, an error): FAILED, with the reason. Unlike
   * complete(), an expired session may end this way; still one conditional write on PENDING, so a
   * session that already ended keeps its ending.
   */
  async failPending(
    sessionId: string,
    failure: { completedAt: string; reason: EndReason },
  ): Promise<boolean> {
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: threeDsSessionKey(sessionId),
      UpdateExpression: 'SET #state = :failed, #completedAt = :completedAt, #endReason = :reason',
      ConditionExpression: '#state = :pending',
      ExpressionAttributeNames: names('state', 'completedAt', 'endReason'),
      ExpressionAttributeValues: {
        ':failed': 'FAILED' satisfies ThreeDsSessionState,
        ':pending': 'PENDING' satisfies ThreeDsSessionState,
        ':completedAt': failure.completedAt,
        ':reason': failure.reason,
      },
    });
    return this.conditional(update);
  }

  private async sealAuthentication(
    sessionId: string,
    { cavv, ...info }: ThreeDsAuthentication,
  ): Promise<{ authenticationInfo: Omit<ThreeDsAuthentication, 'cavv'>; sealedCavv: SealedSecret }> {
    const sealedCavv = await this.vault.seal(new TextEncoder().encode(cavv), cavvContext(sessionId));
    return { authenticationInfo: info, sealedCavv };
  }

  private conditional(update: UpdateCommand): Promise<boolean> {
    return dynamoCall(
      'UpdateItem',
      async () => {
        await this.client.send(update);
        return true;
      },
      () => false,
    );
  }
}

/** Only the known fields cross the boundary, in either direction (no pk/sk/expireAt leak out). */
function pick(source: Partial<StoredSession> | Record<string, unknown>): Partial<StoredSession> {
  const record = source as Record<string, unknown>;
  return Object.fromEntries(
    STORED_FIELDS.filter((name) => record[name] !== undefined).map((name) => [name, record[name]]),
  ) as Partial<StoredSession>;
}

/** `#name` → name for each attribute an expression uses (`state` is a reserved word). */
function names(...attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((name) => [`#${name}`, name]));
}
