// Command-line flags several benches share, with one default and one environment override each.
// Spread them into parseArgs' options: `options: { ...postgresUrlFlag, db: { … } }`.

/** `--postgres-url`: the server's admin database; the benches create and drop their own beside it. */
export const postgresUrlFlag = {
  'postgres-url': {
    type: 'string',
    default: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  },
} as const;

/** `--mysql-url`: a MySQL/MariaDB server (no database in the path). */
export const mysqlUrlFlag = {
  'mysql-url': { type: 'string', default: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/' },
} as const;

/** `--redis`: Redis for the BullMQ and pub/sub figures (each run under a key prefix of its own). */
export const redisUrlFlag = {
  redis: { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
} as const;

/** A flag's whole number ≥ 1, or exits with one line naming the flag. */
export function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name}: expected a whole number ≥ 1, got '${value}'`);
    process.exit(2);
  }
  return n;
}
