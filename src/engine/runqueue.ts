/**
 * The run queue: a binary min-heap ordered by (readyAt, seq), so tasks (and
 * timers) run in virtual-time order and FIFO within one instant.
 *
 * @module
 */

/** What a run queue orders: a time, a FIFO sequence number, and its slot in the heap. */
export interface Schedulable {
  /** Virtual time at which it is due. */
  readyAt: number;
  /** FIFO tie-break, set when queued. */
  seq: number;
  /** Index in the heap, or -1. */
  heapIndex: number;
}

function before(a: Schedulable, b: Schedulable): boolean {
  return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
}

/** Min-heap keyed on (readyAt, seq). */
export class RunQueue<T extends Schedulable> {
  private readonly heap: T[] = [];
  private nextSeq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** Queue an item at its `readyAt`, after every item already queued for that instant. */
  push(task: T): void {
    task.seq = this.nextSeq++;
    task.heapIndex = this.heap.length;
    this.heap.push(task);
    this.up(task.heapIndex);
  }

  /** Remove and return the earliest item. */
  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (last !== top) {
      heap[0] = last;
      last.heapIndex = 0;
      this.down(0);
    }
    top.heapIndex = -1;
    return top;
  }

  /**
   * Remove every task ready at the earliest instant, in FIFO order: the
   * candidates a scheduling policy chooses among.
   */
  popEarliest(): T[] {
    const first = this.pop();
    if (first === undefined) return [];
    const out = [first];
    while (this.heap.length > 0 && this.heap[0]!.readyAt === first.readyAt) out.push(this.pop()!);
    return out;
  }

  /** Every queued item, in heap order (not sorted). */
  items(): readonly T[] {
    return this.heap;
  }

  /** Remove a queued item wherever it is in the heap. */
  remove(item: T): void {
    const heap = this.heap;
    const i = item.heapIndex;
    const last = heap.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    heap[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  /** Put back candidates that were not chosen, keeping their FIFO order. */
  restore(tasks: readonly T[]): void {
    for (const t of tasks) {
      t.heapIndex = this.heap.length;
      this.heap.push(t);
      this.up(t.heapIndex);
    }
  }

  private up(i: number): void {
    const heap = this.heap;
    const t = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!before(t, parent)) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    heap[i] = t;
    t.heapIndex = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const t = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      const child = heap[c]!;
      if (!before(child, t)) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = t;
    t.heapIndex = i;
  }
}
