import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import {
  UnauthorizedError,
  anonymousContext,
  formatMoney,
  newId,
  systemContext,
  userContext,
  type Actor,
  type Context,
  type Engine,
} from '@emporia/core';
import { createRouter, sendProblem, type Authenticate } from '@emporia/http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { clearSession, readSession, setSession } from './session.js';

/** A user of the host app. Emporia knows them only by the Emporia user id linked at sign-up. */
interface HostUser {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  emporiaUserId: string;
}

function hashPassword(password: string, salt = randomBytes(16).toString('hex')): string {
  return `${salt}:${scryptSync(password, salt, 32).toString('hex')}`;
}

function passwordMatches(password: string, stored: string): boolean {
  const [salt, hash] = stored.split(':');
  const given = Buffer.from(hashPassword(password, salt).split(':')[1], 'hex');
  return timingSafeEqual(given, Buffer.from(hash, 'hex'));
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

export interface HostAppOptions {
  engine: Engine;
  /** Signs the host's session cookie. */
  sessionSecret: string;
}

/**
 * A host Express app with its own users, session login and pages, that mounts Emporia's API under
 * /shop (authenticated by the host's session) and calls the engine directly from its own routes.
 */
export function createHostApp({ engine, sessionSecret }: HostAppOptions): Express {
  // The host's own user table; a real app keeps it in its database.
  const users = new Map<string, HostUser>();
  const byEmail = (email: string) => [...users.values()].find((u) => u.email === email.toLowerCase());
  const signedIn = (req: Request): HostUser | undefined => users.get(readSession(req, sessionSecret) ?? '');

  /** The Emporia actor for the host's session: what the mounted API and the host's own routes act as. */
  const actorOf = async (req: Request): Promise<Actor> => {
    const user = signedIn(req);
    return user
      ? engine.identity.actorForUser(anonymousContext({ clock: engine.clock }), user.emporiaUserId)
      : { kind: 'anonymous' };
  };
  const contextOf = async (req: Request): Promise<Context> => {
    const actor = await actorOf(req);
    if (actor.kind !== 'user') throw new UnauthorizedError('Log in first');
    return userContext(actor, { clock: engine.clock });
  };
  const authenticate: Authenticate = (req) => actorOf(req);

  const app = express();
  app.disable('x-powered-by');
  app.use('/shop', createRouter(engine, { authenticate }));
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));

  app.get('/', async (req, res) => {
    const user = signedIn(req);
    const products = await engine.catalog.listProducts(anonymousContext({ clock: engine.clock }), { page_size: 20 });
    const rows = products.results
      .map(
        (p) =>
          `<li>${escapeHtml(p.name)} — ${formatMoney(p.price, p.currency)}` +
          `<form method="post" action="/buy"><input type="hidden" name="product_id" value="${p.id}">` +
          `<input name="quantity" value="1" size="2"><button>Buy</button></form></li>`,
      )
      .join('');
    const who = user
      ? `<p>Signed in as ${escapeHtml(user.name)} · <a href="/account">my orders</a></p>`
      : '<form method="post" action="/login"><input name="email"><input name="password" type="password"><button>Log in</button></form>';
    res.send(
      page(
        'Host shop',
        `<h1>Our shop</h1>${who}<ul>${rows}</ul><p>API: <a href="/shop/api/docs">/shop/api/docs</a></p>`,
      ),
    );
  });

  app.post('/signup', async (req, res) => {
    const { email, name, password } = req.body as Record<string, string | undefined>;
    if (!email || !name || !password || password.length < 8) {
      res.status(400).send(page('Sign up', '<p>E-mail, name and a password of 8+ characters, please.</p>'));
      return;
    }
    if (byEmail(email)) {
      res.status(409).send(page('Sign up', '<p>That e-mail already has an account.</p>'));
      return;
    }
    // The Emporia user that owns this person's carts and orders; the host does the logging in,
    // so its Emporia password is a random one nobody uses.
    const linked = await engine.identity.createUser(systemContext({ clock: engine.clock }), {
      email,
      name,
      password: randomBytes(24).toString('base64url'),
      role: 'customer',
    });
    const user: HostUser = {
      id: newId(),
      email: email.toLowerCase(),
      name,
      passwordHash: hashPassword(password),
      emporiaUserId: linked.id,
    };
    users.set(user.id, user);
    setSession(res, user.id, sessionSecret);
    res.redirect(303, '/');
  });

  app.post('/login', (req, res) => {
    const { email, password } = req.body as Record<string, string | undefined>;
    const user = email ? byEmail(email) : undefined;
    if (!user || !password || !passwordMatches(password, user.passwordHash)) {
      res.status(401).send(page('Log in', '<p>Wrong e-mail or password.</p>'));
      return;
    }
    setSession(res, user.id, sessionSecret);
    res.redirect(303, '/');
  });

  app.post('/logout', (_req, res) => {
    clearSession(res);
    res.redirect(303, '/');
  });

  // The host's own checkout button: it calls engine.orders directly, no HTTP round trip.
  app.post('/buy', async (req, res) => {
    const ctx = await contextOf(req);
    const { product_id, quantity } = req.body as Record<string, string | undefined>;
    await engine.orders.placeOrder(ctx, { items: [{ product_id, quantity: Number(quantity ?? 1) }] });
    res.redirect(303, '/account');
  });

  app.get('/account', async (req, res) => {
    const ctx = await contextOf(req);
    const orders = await engine.orders.listOrders(ctx, { page_size: 50 });
    const rows = orders.results
      .map((o) => `<li>${o.number}: ${o.status}, ${formatMoney(o.total, o.currency)}</li>`)
      .join('');
    res.send(page('My orders', `<h1>My orders</h1><ul>${rows}</ul>`));
  });

  // Emporia's typed errors from the host's own routes become the same problem+json answers.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    sendProblem(req, res, err);
  });
  return app;
}
