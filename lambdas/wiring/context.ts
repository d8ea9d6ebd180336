/**
 * Per-container memoisation for the wiring. Each factory builds its adapter on first use and
 * keeps it; `resetDependencies()` (local stack, tests) makes the next use build again from the
 * current environment. Factories live in small modules per concern so that a Lambda bundle only
 * contains the SDK clients its entry point really uses.
 */
import { type Config, loadConfig } from '../config.js';
import { type Clock, systemClock } from '../core/ports.js';

let generation = 0;

export function resetDependencies(): void {
  generation++;
}

/** Memoise a factory until the next reset. */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let madeIn = -1;
  return () => {
    if (madeIn !== generation) {
      value = make();
      madeIn = generation;
    }
    return value as T;
  };
}

/** The validated configuration: fails fast, naming the variable, on first use. */
export const config = /* @__PURE__ */ once((): Config => loadConfig(process.env));

export const clock = (): Clock => systemClock;

type Factories = Record<string, () => unknown>;
export type Resolved<F extends Factories> = { readonly [K in keyof F]: ReturnType<F[K]> };

/** An object whose properties call their factory on read (so unused ones are never built). */
export function lazyDependencies<F extends Factories>(factories: F): Resolved<F> {
  const target = {} as Resolved<F>;
  for (const [name, make] of Object.entries(factories)) {
    Object.defineProperty(target, name, { enumerable: true, get: make });
  }
  return target;
}
