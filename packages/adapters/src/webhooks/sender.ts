import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { WebhookBlockedError, isInternalAddress, type WebhookSender } from '@emporia/core';

export { isInternalAddress };

/** Options of `createWebhookSender`. */
export interface WebhookSenderOptions {
  /** Host names or IPs that may be reached even though they are internal (WEBHOOK_ALLOWED_HOSTS). */
  allowedHosts?: string[];
  /** A delivery not answered within this time fails (default 10 s). */
  timeoutMs?: number;
}

/**
 * POSTs webhook bodies over http(s) without following redirects. The address check runs inside
 * the connection's DNS lookup, so the address that is checked is the address connected to (a
 * host cannot resolve to a public address for the check and a private one for the request).
 */
export function createWebhookSender(options: WebhookSenderOptions = {}): WebhookSender {
  const allowed = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const refuse = (host: string, address: string) =>
    new WebhookBlockedError(
      `Webhook address ${address} of ${host} is not allowed (internal network; see WEBHOOK_ALLOWED_HOSTS)`,
    );

  const guardedLookup: LookupFunction = (hostname, opts, callback) => {
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 4);
      const bad = addresses.find((a) => !allowed.has(a.address) && isInternalAddress(a.address));
      if (bad) return callback(refuse(hostname, bad.address), '', 4);
      if ((opts as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };

  return {
    post(url, body, headers) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return Promise.reject(new WebhookBlockedError(`Webhook URL ${url} is not a valid URL`));
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        return Promise.reject(new WebhookBlockedError(`Webhook URL scheme ${target.protocol} is not allowed`));
      }
      const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      const hostAllowed = allowed.has(host);
      // An IP literal never goes through lookup: check it here.
      if (!hostAllowed && isIP(host) && isInternalAddress(host)) return Promise.reject(refuse(host, host));
      const client = target.protocol === 'https:' ? https : http;
      return new Promise((resolve, reject) => {
        const req = client.request(
          target,
          {
            method: 'POST',
            headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
            timeout: timeoutMs,
            ...(hostAllowed ? {} : { lookup: guardedLookup }),
          },
          (res) => {
            res.resume(); // the body is not used; drain it so the socket is freed
            res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}
