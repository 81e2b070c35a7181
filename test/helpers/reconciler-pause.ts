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

/**
 * Resolves once the reconciler (any instance on this database) has finished `passes` more
 * passes: each finished pass moves its row's `run_at` on to the next one.
 */
export async function reconcilerPasses(dbUrl: string, passes: number, timeoutMs = 10_000): Promise<void> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const nextRun = async () =>
      (await client.query<{ next: string | null }>("SELECT run_at::text AS next FROM jobs WHERE key = 'every:reconcile' AND locked_until IS NULL")).rows[0]?.next ?? null;
    const deadline = Date.now() + timeoutMs;
    let last = await nextRun();
    let seen = 0;
    while (seen < passes) {
      if (Date.now() > deadline) throw new Error(`reconcilerPasses: ${seen} of ${passes} passes within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
      const next = await nextRun();
      if (next !== null && next !== last) {
        if (last !== null) seen += 1;
        last = next;
      }
    }
  } finally {
    await client.end();
  }
}
