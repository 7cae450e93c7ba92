/**
 * The run queue: a binary min-heap of runnable tasks ordered by
 * (readyAt, seq), so tasks run in virtual-time order and FIFO within one
 * instant.
 *
 * @module
 */
import type { Task } from "./task.js";

function before(a: Task, b: Task): boolean {
  return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
}

/** Min-heap of tasks keyed on (readyAt, seq). */
export class RunQueue {
  private readonly heap: Task[] = [];
  private nextSeq = 0;

  /** Number of queued tasks. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest task, without removing it. */
  peek(): Task | undefined {
    return this.heap[0];
  }

  /** Queue a task at its `readyAt`, after every task already queued for that instant. */
  push(task: Task): void {
    task.seq = this.nextSeq++;
    task.heapIndex = this.heap.length;
    this.heap.push(task);
    this.up(task.heapIndex);
  }

  /** Remove and return the earliest task. */
  pop(): Task | undefined {
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
  popEarliest(): Task[] {
    const first = this.pop();
    if (first === undefined) return [];
    const out = [first];
    while (this.heap.length > 0 && this.heap[0]!.readyAt === first.readyAt) out.push(this.pop()!);
    return out;
  }

  /** Put back candidates that were not chosen, keeping their FIFO order. */
  restore(tasks: readonly Task[]): void {
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
