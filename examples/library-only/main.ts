/**
 * Emporia as a plain library: no HTTP, an in-memory SQLite database, a catalog, an order, and the
 * e-mail the shop would send for it. Run it with `npx tsx examples/library-only/main.ts`.
 */
import { pathToFileURL } from 'node:url';
import { createDefaultEngine } from '@emporia/adapters';
import { formatMoney, systemContext, userContext, type MailMessage, type Mailer } from '@emporia/core';

/** A Mailer port of our own: it prints each message instead of sending it. */
function printingMailer(print: (line: string) => void): Mailer {
  return {
    async send(message: MailMessage) {
      print(`--- e-mail to ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n---`);
      return { id: `printed-${message.to}` };
    },
  };
}

export async function main(print: (line: string) => void = console.log): Promise<void> {
  // One connection to a database that lives as long as the process: nothing is written to disk.
  const engine = await createDefaultEngine({
    database: 'sqlite::memory:',
    config: { mailFrom: 'Corner Shop <shop@example.com>', logLevel: 'silent' },
    notifications: { mailer: printingMailer(print) },
  });
  try {
    // Your own reaction to a domain event: it runs after commit, through the job runner.
    engine.events.on('order.placed', (event) => print(`event order.placed ${event.payload.number}`));

    // The system context acts for the shop itself: it holds every permission.
    const shop = systemContext();
    const kitchen = await engine.catalog.createCategory(shop, { name: 'Kitchen' });
    const mug = await engine.catalog.createProduct(shop, {
      name: 'Enamel mug',
      status: 'published',
      category_id: kitchen.id,
      price: 1250,
      sku: 'MUG-ENAMEL',
      stock: 40,
    });
    print(`product ${mug.slug}: ${formatMoney(mug.price, mug.currency)}, ${mug.stock} in stock`);

    // A customer, and a context that speaks for them: services check their permissions as over HTTP.
    const ada = await engine.identity.createUser(shop, {
      email: 'ada@example.com',
      password: 'a long enough password',
      name: 'Ada',
      role: 'customer',
    });
    const asAda = userContext(await engine.identity.actorForUser(systemContext(), ada.id));
    const { order } = await engine.orders.placeOrder(asAda, { items: [{ product_id: mug.id, quantity: 2 }] });
    print(`order ${order.number}: ${order.status}, total ${formatMoney(order.total, order.currency)}`);
    const after = await engine.catalog.getVariant(shop, mug.id, mug.variants[0].id);
    print(`stock left: ${after.stock}`);

    // E-mails and events are jobs queued in the order's transaction; a runner delivers them.
    await engine.jobs.createRunner().runUntilIdle();
  } finally {
    await engine.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(`library-only: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
