import { expect, it } from 'vitest';
import { runExample } from '../../test/support/examples.js';

it('runs the library-only example: catalog, order and e-mails on in-memory SQLite, no HTTP', () => {
  const { code, stdout, stderr } = runExample('examples/library-only/main.ts');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toContain('product enamel-mug: $12.50, 40 in stock');
  const number = /order (EM-\d+): pending, total \$25\.00/.exec(stdout)?.[1];
  expect(number).toBeDefined();
  expect(stdout).toContain('stock left: 38');
  // The app's handler ran once for the one order.
  expect(stdout.match(/^event .*$/gm)).toEqual([`event order.placed ${number}`]);
  // The e-mails the shop would send, rendered from the default templates: one of each, no more.
  const mails = [...stdout.matchAll(/^--- e-mail to (.+)\nSubject: (.+)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
  expect(mails.sort()).toEqual([
    `ada@example.com: Order ${number} received`,
    'ada@example.com: Welcome to Corner Shop',
  ]);
  expect(stdout).toContain(`thank you for your order ${number} of $25.00`);
});
