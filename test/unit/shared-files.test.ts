import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared } from '../support/shared.js';

let sharedDir: string;
beforeAll(async () => {
  sharedDir = await mkdtemp(path.join(tmpdir(), 'shared-'));
  await mkdir(path.join(sharedDir, 'vipps'));
  await writeFile(path.join(sharedDir, 'vipps/present.yaml'), 'openapi: 3.0.0\n');
});
afterAll(() => rm(sharedDir, { recursive: true, force: true }));

describe('requireShared (tests that read ../shared)', () => {
  it('fails under CI=true when a file is missing, naming it', () => {
    expect(() =>
      requireShared(['vipps/present.yaml', 'vipps/absent.yaml'], { sharedDir, env: { CI: 'true' } }),
    ).toThrow(/CI=true and missing .*vipps\/absent\.yaml/);
  });

  it('elsewhere skips and says so loudly, naming what is missing', () => {
    const warnings: string[] = [];
    const shared = requireShared(['vipps/absent.yaml'], {
      sharedDir,
      env: {},
      warn: (m) => warnings.push(m),
    });
    expect(shared.available).toBe(false);
    expect(shared.skipNote).toMatch(/SKIPPED: missing .*absent\.yaml/);
    expect(warnings.join('')).toMatch(/SKIPPED.*absent\.yaml.*CI fails on this/);
  });

  it('gives the paths when everything is there, under CI too, without a warning', () => {
    const warnings: string[] = [];
    const shared = requireShared(['vipps/present.yaml'], {
      sharedDir,
      env: { CI: 'true' },
      warn: (m) => warnings.push(m),
    });
    expect(shared).toEqual({
      available: true,
      paths: [path.join(sharedDir, 'vipps/present.yaml')],
      skipNote: '',
    });
    expect(warnings).toEqual([]);
  });
});
