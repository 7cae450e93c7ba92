// The floor the engine is measured against: the same resumptions as the
// engine's workload, done by bare generators and a binary heap of wake-up
// times, with no locks, tasks, tracing or checks.

/** A min-heap of wake-ups by time, then task (the engine's tie-break by order): parallel arrays, no allocation per push. */
class WakeHeap {
  /** The time and task of the wake-up {@link pop} removed last. */
  now = 0;
  id = 0;
  private readonly time: number[] = [];
  private readonly task: number[] = [];
  get size(): number {
    return this.time.length;
  }
  private before(i: number, j: number): boolean {
    return this.time[i]! < this.time[j]! || (this.time[i] === this.time[j] && this.task[i]! < this.task[j]!);
  }
  private swap(i: number, j: number): void {
    const t = this.time[i]!;
    this.time[i] = this.time[j]!;
    this.time[j] = t;
    const k = this.task[i]!;
    this.task[i] = this.task[j]!;
    this.task[j] = k;
  }
  push(time: number, task: number): void {
    this.time.push(time);
    this.task.push(task);
    for (let i = this.time.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  /** Remove the earliest wake-up; its time and task are left in `now` and `id`. */
  pop(): void {
    this.now = this.time[0]!;
    this.id = this.task[0]!;
    const lastTime = this.time.pop()!;
    const lastTask = this.task.pop()!;
    const n = this.time.length;
    if (n === 0) return;
    this.time[0] = lastTime;
    this.task[0] = lastTask;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      let m = i;
      if (l < n && this.before(l, m)) m = l;
      if (l + 1 < n && this.before(l + 1, m)) m = l + 1;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

/** `tasks` generators each yielding `iterations` x 2 delays (as the engine workload's cpu + sleep); returns resumptions and seconds. */
export function bareLoop(tasks: number, iterations: number): { steps: number; seconds: number } {
  let seed = 42;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const body = function* (): Generator<number, void> {
    for (let i = 0; i < iterations; i++) {
      yield 100 + rand(200);
      yield 500 + rand(1000);
    }
  };
  const gens = Array.from({ length: tasks }, body);
  const heap = new WakeHeap();
  for (let i = 0; i < tasks; i++) heap.push(0, i);
  let steps = 0;
  const start = performance.now();
  while (heap.size > 0) {
    heap.pop();
    steps++;
    const r = gens[heap.id]!.next();
    if (!r.done) heap.push(heap.now + r.value, heap.id);
  }
  return { steps, seconds: (performance.now() - start) / 1000 };
}
