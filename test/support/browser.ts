/**
 * One way for every browser test to start headless Chromium (through playwright-core): the binary
 * named by CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the one @sparticuz/chromium
 * unpacks (a dev dependency, so the tests run where no system Chromium is installed).
 *
 * @sparticuz/chromium's default flags are made for Lambda and switch web security off
 * (--disable-web-security, no site isolation, insecure content allowed). These tests check what
 * the browser enforces (CSP, frame-ancestors, form-action), so those flags are dropped.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type LaunchOptions, chromium } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Flags that would let the browser ignore the very policies the tests check. */
const WEAKENING = [
  /^--disable-web-security$/,
  /^--allow-running-insecure-content$/,
  /^--disable-site-isolation-trials$/,
  /^--disable-features=.*(IsolateOrigins|site-per-process)/,
  /^--single-process$/,
];

const COMMON_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumBinary {
  executablePath: string;
  args: string[];
}

/** Where Chromium is and the flags it needs; throws naming what to install when there is none. */
export async function findChromium(): Promise<ChromiumBinary> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return { executablePath: configured, args: ['--headless', ...COMMON_ARGS] };
  }
  if (existsSync(DEBIAN_CHROMIUM)) {
    return { executablePath: DEBIAN_CHROMIUM, args: ['--headless', ...COMMON_ARGS] };
  }
  const sparticuz = (await import('@sparticuz/chromium')).default;
  const args = sparticuz.args.filter((arg) => !WEAKENING.some((flag) => flag.test(arg)));
  return {
    executablePath: await sparticuz.executablePath(),
    args: [...new Set([...args, ...COMMON_ARGS])],
  };
}

/** A headless Chromium; close it in afterAll. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const binary = await findChromium();
  return chromium.launch({
    headless: true,
    ...options,
    executablePath: binary.executablePath,
    args: [...binary.args, ...(options.args ?? [])],
  });
}

/** A fresh context shaped like the Vipps app's web view on a phone. */
export function phoneContext(browser: Browser, locale = 'en-GB'): Promise<BrowserContext> {
  return browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale,
  });
}

export const PHONE = { width: 390, height: 844 };
