import { Client } from 'pg';

/**
 * Pauses the reconciler of every instance on a database: it runs as one recurring row of the
 * `jobs` table, claimed with SKIP LOCKED, so holding that row's lock (once no pass holds its
 * lease) keeps every instance from starting a pass. Returns the function that resumes it.
 */
export async function pauseReconciler(dbUrl: string, timeoutMs = 10_000): Promise<() => Promise<void>> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await client.query('BEGIN');
    const rows = (
      await client.query<{ leased: boolean }>(
        "SELECT (locked_until IS NOT NULL AND locked_until > now()) AS leased FROM jobs WHERE key = 'every:reconcile' FOR UPDATE",
      )
    ).rows;
    if (rows.length === 1 && !rows[0]!.leased) break;
    await client.query('ROLLBACK');
    if (Date.now() > deadline) {
      await client.end();
      throw new Error('pauseReconciler: the reconcile job did not become free');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return async () => {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  };
}
