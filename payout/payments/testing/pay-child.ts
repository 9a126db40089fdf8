/**
 * A separate process that pays a month (the concurrency test starts two at
 * once): `node pay-child.ts <ledger> <month> <startAtMs>`; prints one JSON
 * line, {ok, items} or {ok: false, code}.
 */
import { openLedger } from '../../../common/ledger/index.ts';
import { payMonth } from '../batch.ts';

const [ledger, month, startAt] = process.argv.slice(2) as [string, string, string];
const db = await openLedger(ledger);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
try {
  const r = await payMonth(db, month, { name: `child-${process.pid}` });
  console.log(JSON.stringify({ ok: true, items: r.items }));
} catch (err) {
  const e = err as { code?: string; message?: string };
  console.log(JSON.stringify({ ok: false, code: e.code, message: e.message }));
} finally {
  await db.close();
}
