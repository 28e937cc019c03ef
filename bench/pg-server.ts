import { pgServerBinaries, startPgServer, type ThrowawayPg } from '../scripts/pg-server.js';

/**
 * A PostgreSQL server for a benchmark: RADAR_TEST_PG_URL when set, else a throwaway one
 * (scripts/pg-server.ts), stopped by `stop()`. Durability is the server's default (fsync on):
 * the figures are a user's.
 */
export async function benchPgServer(): Promise<ThrowawayPg> {
  const given = process.env.RADAR_TEST_PG_URL;
  if (given) return { url: given, stop: () => undefined };
  const bin = pgServerBinaries();
  if (!bin)
    throw new Error('no PostgreSQL: set RADAR_TEST_PG_URL or apt-get install -y postgresql');
  return startPgServer(bin, { durable: true, prefix: 'radar-bench-pg-' });
}
