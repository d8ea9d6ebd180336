/**
 * Issue 11 item 3: the card callback's FAIL errorCode/errorMessage come from one documented,
 * configurable table — by default the PSP API v3 errorId and its catalogue text — that a PSP
 * overrides per errorId with CARD_CALLBACK_FAIL_CODES (validated at cold start).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lambdas/config.js';
import { callbackFailCode } from '../../lambdas/core/card-callback-fail-codes.js';
import { otherError, vippsErrors } from '../../lambdas/core/error-catalogue.js';
import { sandboxConfig } from '../support/stage-config.js';

const env = sandboxConfig;

describe('card callback FAIL codes', () => {
  it('default: the PSP API v3 errorId as an integer and its catalogue text', () => {
    expect(callbackFailCode(vippsErrors.tooLate)).toEqual({
      errorCode: 85,
      errorMessage: 'Response received too late',
    });
    expect(callbackFailCode(otherError('3-D Secure cancelled'))).toEqual({
      errorCode: 72,
      errorMessage: '3-D Secure cancelled',
    });
  });

  it('a reason without a numeric errorId is 91', () => {
    expect(callbackFailCode({ errorId: 'vipps-x', errorText: 'odd' })).toEqual({
      errorCode: 91,
      errorMessage: 'odd',
    });
  });

  it('CARD_CALLBACK_FAIL_CODES overrides one errorId and leaves the rest', () => {
    const config = loadConfig({
      ...env,
      CARD_CALLBACK_FAIL_CODES: '{"85":{"errorCode":5,"errorMessage":"Too late, try again"}}',
    });
    expect(callbackFailCode(vippsErrors.tooLate, config.CARD_CALLBACK_FAIL_CODES)).toEqual({
      errorCode: 5,
      errorMessage: 'Too late, try again',
    });
    expect(callbackFailCode(vippsErrors.invalidRequest, config.CARD_CALLBACK_FAIL_CODES).errorCode).toBe(71);
    expect(loadConfig(env).CARD_CALLBACK_FAIL_CODES).toEqual({});
  });

  it('a malformed table stops start-up, naming the variable', () => {
    for (const bad of ['not json', '{"85":{"errorCode":"x","errorMessage":"y"}}']) {
      let problems: string[] = [];
      try {
        loadConfig({ ...env, CARD_CALLBACK_FAIL_CODES: bad });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.problems;
      }
      expect(problems.join('\n')).toContain('CARD_CALLBACK_FAIL_CODES');
    }
  });
});
