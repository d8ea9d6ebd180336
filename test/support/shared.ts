/**
 * Files from `../shared` (Vipps' OpenAPI and guide, beside the repository, not copied into it).
 * CI has them, so there a missing file is a failure, not a quiet skip; on a laptop without them the
 * tests that need them skip and say so loudly on stderr. SHARED_DIR points elsewhere (a checkout
 * whose ../shared lives somewhere else).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SharedFiles {
  /** True when every requested file exists; tests use `describe.skipIf(!shared.available)`. */
  available: boolean;
  /** Absolute path of each requested file, in the order asked. */
  paths: string[];
  /** The title suffix for a skipped describe, empty when available. */
  skipNote: string;
}

export interface SharedOptions {
  /** The directory `../shared` means; defaults to SHARED_DIR, else the one beside the repository. */
  sharedDir?: string;
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
}

/** `files` relative to ../shared, e.g. `vipps/psp-api-v3.openapi.yaml`. Throws under CI=true when any is missing. */
export function requireShared(files: string[], options: SharedOptions = {}): SharedFiles {
  const env = options.env ?? process.env;
  const sharedDir = options.sharedDir ?? path.resolve(repoRoot, env.SHARED_DIR ?? '../shared');
  const paths = files.map((f) => path.resolve(sharedDir, f));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return { available: true, paths, skipNote: '' };

  const what = `missing ${missing.join(', ')} (../shared beside the repository)`;
  if (env.CI === 'true') {
    throw new Error(`CI=true and ${what}: these tests must run in CI, so this is a failure, not a skip.`);
  }
  (options.warn ?? ((m: string) => console.warn(m)))(
    `\n*** SKIPPED: tests that need ../shared — ${what}. CI fails on this; clone ../shared to run them. ***\n`,
  );
  return { available: false, paths, skipNote: ` — SKIPPED: ${what}` };
}
