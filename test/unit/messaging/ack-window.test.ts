import t from 'tap';
import { AckWindow, DONE, OUTSTANDING } from '../../../src/messaging/ack-window.js';

interface Item {
  tag: number;
  state: number;
}

function window(n: number, compactAt?: number): { w: AckWindow<Item>; items: Item[] } {
  const w = new AckWindow<Item>(compactAt);
  const items: Item[] = [];
  for (let tag = 1; tag <= n; tag++) {
    const item = { tag, state: -1 };
    w.track(item);
    items.push(item);
  }
  return { w, items };
}

const tags = (xs: Item[]) => xs.map((x) => x.tag);

t.test('a contiguous run from the lowest unacked delivery is one multiple ack', async (t) => {
  const { w, items } = window(5);
  t.equal(items[0]!.state, OUTSTANDING);
  const plan = w.settle(items.slice(0, 3).reverse());
  t.equal(plan.upTo?.tag, 3);
  t.equal(plan.covered, 3);
  t.same(tags(plan.singles), []);
  t.equal(w.size, 2);
  const rest = w.settle(items.slice(3));
  t.equal(rest.upTo?.tag, 5);
  t.equal(rest.covered, 2);
  t.equal(w.size, 0);
});

t.test('a lower unacked delivery keeps the higher ones on single acks', async (t) => {
  const { w, items } = window(6);
  // 1 is still unacked (a retry waiting for its confirm): 2..4 must not be acked with multiple.
  const plan = w.settle([items[1]!, items[2]!, items[3]!]);
  t.equal(plan.upTo, undefined);
  t.equal(plan.covered, 0);
  t.same(tags(plan.singles), [2, 3, 4]);
  // 1 acked alone later: the run restarts after the settled ones.
  const one = w.settle([items[0]!]);
  t.equal(one.upTo?.tag, 1);
  t.equal(one.covered, 1);
  t.same(tags(one.singles), []);
  // 5 and 6: the settled 2..4 are skipped, and the multiple ack of 6 covers 5 and 6 only.
  const last = w.settle([items[5]!, items[4]!]);
  t.equal(last.upTo?.tag, 6);
  t.equal(last.covered, 2);
  t.equal(w.size, 0);
});

t.test('a gap splits the set: the run before it is one ack, the rest single', async (t) => {
  const { w, items } = window(6);
  const plan = w.settle([items[0]!, items[1]!, items[3]!, items[5]!]);
  t.equal(plan.upTo?.tag, 2);
  t.equal(plan.covered, 2);
  t.same(tags(plan.singles), [4, 6]);
  t.equal(items[2]!.state, OUTSTANDING);
  t.equal(items[4]!.state, OUTSTANDING);
});

t.test('individually settled deliveries stay out of the run; one named again is acked again', async (t) => {
  const { w, items } = window(4);
  w.done(items[0]!); // nacked / acked alone after its republish
  t.equal(items[0]!.state, DONE);
  const plan = w.settle([items[1]!, items[2]!, items[1]!]);
  t.equal(plan.upTo?.tag, 3);
  t.equal(plan.covered, 2);
  t.same(tags(plan.singles), [2], 'the duplicate gets its own (failing) ack, as before');
  const again = w.settle([items[1]!, items[2]!]);
  t.equal(again.upTo, undefined);
  t.same(tags(again.singles), [2, 3]);
  const mixed = w.settle([items[0]!, items[3]!]);
  t.equal(mixed.upTo?.tag, 4);
  t.equal(mixed.covered, 1);
  t.same(tags(mixed.singles), [1]);
  t.same(w.settle([]), { upTo: undefined, covered: 0, singles: [] });
});

t.test('reset forgets a dead channel; compaction bounds a window stuck behind one delivery', async (t) => {
  const { w, items } = window(3);
  w.reset();
  t.equal(w.size, 0);
  const stuck = window(1, 8);
  const first = stuck.items[0]!;
  for (let tag = 2; tag <= 100; tag++) {
    const item = { tag, state: -1 };
    stuck.w.track(item);
    t.same(tags(stuck.w.settle([item]).singles), [tag]);
  }
  t.ok(stuck.w.size <= 16, `size ${stuck.w.size}`);
  const plan = stuck.w.settle([first]);
  t.equal(plan.upTo, first);
  t.equal(stuck.w.size, 0);
  t.equal(items[0]!.state, OUTSTANDING);
});

t.test('a long run is compacted as the lowest delivery moves on', async (t) => {
  const { w, items } = window(3000);
  // Everything but the last one, in batches of 100: each batch is one multiple ack.
  for (let i = 0; i < 2900; i += 100) {
    const plan = w.settle(items.slice(i, i + 100));
    t.equal(plan.covered, 100);
    t.same(plan.singles, []);
  }
  t.equal(w.size, 100);
  const last = w.settle(items.slice(2900));
  t.equal(last.upTo?.tag, 3000);
  t.equal(w.size, 0);
});
