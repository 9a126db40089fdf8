// Spawned by spool.test.ts and SIGKILLed at a random moment: appends batches
// forever, acknowledging every other one, and reports each durable seq on stdout.
import { SeqFile } from './seq-file.ts';
import { Spool } from './spool.ts';

const dir = process.argv[2] as string;
const spool = Spool.open({ dir, maxBytes: 64 * 1024 * 1024, segmentBytes: 8 * 1024, fsync: 'always' });
const seqFile = new SeqFile(dir, true);
let seq = Math.max(seqFile.read(), spool.maxSeq) + 1;
for (;;) {
  const entry = spool.append(seq, Buffer.from(JSON.stringify({ seq, pad: 'x'.repeat(seq % 300) })));
  seqFile.write(seq);
  process.stdout.write(`${seq}\n`);
  if (seq % 2 === 0) {
    const e = spool.next();
    if (e && e !== entry) spool.ack(e);
    spool.saveCursor();
  }
  seq++;
}
