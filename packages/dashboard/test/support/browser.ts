import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { summarizeViolations, type ContractViolation } from '../../../../test/support/contract.js';

/** Debian's Chromium: Playwright cannot download its own browser here (`.ci/run` installs this one). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium for the browser tests. Playwright starts it with a fresh temporary profile
 * (user-data-dir) each launch; the flags keep it off the network (this machine has none) and quiet.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One accessibility problem axe-core found: its rule, impact and the elements it is about. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core on the page (WCAG 2.1 A and AA rules) and answers its serious and critical
 * violations. axe is evaluated through the DevTools protocol, so the page's CSP stays as served.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // A string, evaluated in the page: this file is compiled for Node, without the DOM's types.
  return page.evaluate(`(async () => {
    const results = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  })()`) as Promise<AxeViolation[]>;
}

/**
 * Ends a browser test file: closes the browser, the HTTP server and the test database, then fails
 * the file if any answer the browser received did not match the OpenAPI document.
 */
export async function closeBrowserSession(
  browser: Browser | undefined,
  server: Server | undefined,
  env: { contract: { violations: ContractViolation[] }; close(): Promise<void> } | undefined,
): Promise<void> {
  await browser?.close();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  const violations = env?.contract.violations ?? [];
  await env?.close();
  expect(summarizeViolations(violations), 'answers that do not match the OpenAPI document').toEqual([]);
}
