import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** Redis for this run, or null when TEST_REDIS_URL is unset (CI sets it; `.ci/run` starts Redis). */
export const testRedisUrl: string | null = process.env.TEST_REDIS_URL || null;

/** Why a Redis suite is skipped, for its title. */
export const REDIS_SKIP_REASON = 'skipped: TEST_REDIS_URL is unset';

/** A key prefix of the test file's own, so files share one Redis and run in parallel. */
export function testRedisPrefix(name: string): string {
  return `test:${name}:${randomUUID()}:`;
}

/** Deletes every key under `prefix` (a test file's leftovers). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
}
