import { describe, expect, it } from 'vitest';
import { BinTableError, createBinRangeLookup } from '../../lambdas/adapters/card-funding/bin-range-lookup.js';
import {
  sandboxBinRanges,
  sandboxCardFundingLookup,
} from '../../lambdas/adapters/card-funding/sandbox-card-funding.js';

describe('createBinRangeLookup', () => {
  const lookup = createBinRangeLookup([
    { from: '400000', to: '409999', funding: 'DEBIT' },
    { from: '40500000', to: '40509999', funding: 'CREDIT' },
    { from: '510000', to: '519999', funding: 'CREDIT' },
    { from: '520000', to: '520000', funding: 'DEBIT' },
  ]);

  it('finds the range by the 6-digit prefix of a full card or token number, bounds included', async () => {
    expect(await lookup.lookup('4000000000000002')).toBe('DEBIT');
    expect(await lookup.lookup('4099991234567890')).toBe('DEBIT');
    expect(await lookup.lookup('5100001111111111')).toBe('CREDIT');
    expect(await lookup.lookup('5199999999999999')).toBe('CREDIT');
    expect(await lookup.lookup('5200001234567890')).toBe('DEBIT');
  });

  it('accepts a bare 6- or 8-digit BIN', async () => {
    expect(await lookup.lookup('510000')).toBe('CREDIT');
    expect(await lookup.lookup('40500001')).toBe('CREDIT');
  });

  it('lets an 8-digit range override the 6-digit range around it', async () => {
    expect(await lookup.lookup('4050000012345678')).toBe('CREDIT');
    expect(await lookup.lookup('4051000012345678')).toBe('DEBIT');
    // Only 6 digits given: the 8-digit range cannot be compared, the 6-digit one applies.
    expect(await lookup.lookup('405000')).toBe('DEBIT');
  });

  it('answers UNKNOWN outside every range and for input that is not a card number', async () => {
    expect(await lookup.lookup('3999991234567890')).toBe('UNKNOWN');
    expect(await lookup.lookup('5200011234567890')).toBe('UNKNOWN');
    expect(await lookup.lookup('6011000990139424')).toBe('UNKNOWN');
    expect(await lookup.lookup('41')).toBe('UNKNOWN');
    expect(await lookup.lookup('4000-0000')).toBe('UNKNOWN');
    expect(await lookup.lookup('')).toBe('UNKNOWN');
  });

  it.each([
    [[{ from: '4000', to: '4999', funding: 'DEBIT' }], /6 or 8 digits/],
    [[{ from: '400000', to: '40000000', funding: 'DEBIT' }], /same number of digits/],
    [[{ from: '409999', to: '400000', funding: 'DEBIT' }], /must not be greater/],
    [[{ from: '400000', to: '409999', funding: 'PREPAID' }], /funding/],
    [[{ from: '400000', to: '409999' }], /funding/],
    [[], /no ranges/],
    [
      [
        { from: '400000', to: '409999', funding: 'DEBIT' },
        { from: '409000', to: '419999', funding: 'CREDIT' },
      ],
      /400000–409999 and 409000–419999 overlap/,
    ],
  ])('rejects a bad table with a clear error (%#)', (table, message) => {
    const build = () => createBinRangeLookup(table as never);
    expect(build).toThrow(BinTableError);
    expect(build).toThrow(message);
  });

  it('names the bad entry by its index', () => {
    expect(() =>
      createBinRangeLookup([
        { from: '400000', to: '409999', funding: 'DEBIT' },
        { from: 'abc', to: '409999', funding: 'DEBIT' },
      ]),
    ).toThrow('Invalid BIN range table:\n✖ must be a BIN of 6 or 8 digits\n  → at [1].from');
  });
});

describe('sandboxCardFundingLookup', () => {
  it.each([
    ['5226603115488031', 'Mastercard test token (2200, 4300)'],
    ['4111111111111111', 'Visa test token (3200)'],
    ['4895370013193500', 'Visa test token (default, 4200)'],
    ['4895370012792682', 'Visa test token (4400)'],
    ['4268270087302871', 'Visa test token (5100)'],
    ['5413330089010442', 'Mastercard test token (5200)'],
  ])("keeps Vipps' test token %s (%s) debit, so the normal flows approve", async (token) => {
    expect(await sandboxCardFundingLookup.lookup(token)).toBe('DEBIT');
  });

  it('has the credit test range 552000–552999', async () => {
    expect(await sandboxCardFundingLookup.lookup('5520000000000001')).toBe('CREDIT');
    expect(await sandboxCardFundingLookup.lookup('5529991234567890')).toBe('CREDIT');
    expect(await sandboxCardFundingLookup.lookup('5530001234567890')).toBe('UNKNOWN');
  });

  it('has an 8-digit credit test range inside the debit 411111 range', async () => {
    expect(await sandboxCardFundingLookup.lookup('4111112512345678')).toBe('CREDIT');
    expect(await sandboxCardFundingLookup.lookup('4111111111111111')).toBe('DEBIT');
  });

  it('ships a table that contains no credit range around a Vipps test BIN', () => {
    const testBins = ['522660', '411111', '489537', '426827', '541333'];
    for (const range of sandboxBinRanges.filter((r) => r.funding === 'CREDIT' && r.from.length === 6)) {
      for (const bin of testBins) expect(bin >= range.from && bin <= range.to).toBe(false);
    }
  });
});
