/**
 * A separate process that pays (or approves) a month; the concurrency test
 * starts two at once: `node pay-child.ts <ledger> <month> <startAtMs> [pay|approve]`;
 * prints one JSON line, {ok, items} or {ok: false, code}.
 */
import { openLedger } from '../../../common/ledger/index.ts';
import { approveMonth } from '../../workflow/month.ts';
import { payMonth } from '../batch.ts';

const [ledger, month, startAt, step = 'pay'] = process.argv.slice(2) as [string, string, string, string?];
const db = await openLedger(ledger);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
try {
  const by = { name: `child-${process.pid}` };
  if (step === 'approve') await approveMonth(db, month, by, new Date(`${month}-28T00:00:00Z`));
  const items = step === 'approve' ? 0 : (await payMonth(db, month, by)).items;
  console.log(JSON.stringify({ ok: true, items }));
} catch (err) {
  const e = err as { code?: string; message?: string };
  console.log(JSON.stringify({ ok: false, code: e.code, message: e.message }));
} finally {
  await db.close();
}
