/**
 * What the server tells the app when it serves the page (`createDashboard` in @emporia/http): where
 * the API is and the store's currency. A page opened without a server (the Vite dev server) falls
 * back to an API at the same origin.
 */
export interface DashboardConfig {
  /** Prefix of every API path: `''` (same origin, root), `/shop`, or `https://api.example.com`. */
  api_base: string;
  /** ISO 4217 code of the store currency (`CURRENCY`). */
  currency: string;
}

function readConfig(): DashboardConfig {
  const raw = document.querySelector('meta[name="emporia-dashboard"]')?.getAttribute('content') ?? '';
  try {
    return { api_base: '', currency: 'USD', ...(JSON.parse(raw) as Partial<DashboardConfig>) };
  } catch {
    return { api_base: '', currency: 'USD' };
  }
}

export const config: DashboardConfig = readConfig();

/** Where the app is mounted (`/admin`), from the page's `<base href>`, for the router. */
export const basePath = new URL(document.baseURI).pathname.replace(/\/$/, '');
