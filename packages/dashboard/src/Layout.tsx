import { useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { NAVIGATION } from './navigation.js';
import { LiveEvents } from './realtime/LiveEvents.js';
import { useSession } from './session/SessionProvider.js';

const isCurrent = (href: string, location: string) =>
  href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`);

/** The frame of every signed-in page: skip link, menu (a toggle on narrow screens), the page, live events. */
export function Layout({ children }: { children: ReactNode }) {
  const { me, can, signOut } = useSession();
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="button button--quiet topbar__menu"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <span className="topbar__brand">Emporia</span>
        <span className="topbar__user">
          <span className="muted">{me.email}</span>
          <button type="button" className="button button--quiet" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <nav id="main-nav" className={menuOpen ? 'sidebar sidebar--open' : 'sidebar'} aria-label="Main">
        <ul>
          {NAVIGATION.filter((entry) => !entry.permission || can(entry.permission)).map((entry) => (
            <li key={entry.href}>
              <Link
                href={entry.href}
                aria-current={isCurrent(entry.href, location) ? 'page' : undefined}
                onClick={() => setMenuOpen(false)}
              >
                {entry.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
      <LiveEvents />
    </div>
  );
}
