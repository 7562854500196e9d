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
  expect(stdout).toContain(`event order.placed ${number}`);
  // The order e-mail the shop would send, rendered from the default template.
  expect(stdout).toContain(`--- e-mail to ada@example.com\nSubject: Order ${number} received`);
  expect(stdout).toContain(`thank you for your order ${number} of $25.00`);
  expect(stdout).toContain('Subject: Welcome to Corner Shop');
});
