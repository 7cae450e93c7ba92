// The floor the engine is measured against: the same resumptions as the
// engine's workload, done by bare generators and a binary heap of wake-up
// times, with no locks, tasks, tracing or checks.

/** A min-heap of [time, task] by time, then task (the engine's tie-break by order). */
class WakeHeap {
  private readonly items: [number, number][] = [];
  get size(): number {
    return this.items.length;
  }
  push(item: [number, number]): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p]![0] < item[0] || (a[p]![0] === item[0] && a[p]![1] < item[1])) break;
      a[i] = a[p]!;
      a[p] = item;
      i = p;
    }
  }
  pop(): [number, number] {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        const less = (x: number, y: number) => a[x]![0] < a[y]![0] || (a[x]![0] === a[y]![0] && a[x]![1] < a[y]![1]);
        if (l < a.length && less(l, m)) m = l;
        if (r < a.length && less(r, m)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
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
  for (let i = 0; i < tasks; i++) heap.push([0, i]);
  let steps = 0;
  const start = performance.now();
  while (heap.size > 0) {
    const [now, id] = heap.pop();
    steps++;
    const r = gens[id]!.next();
    if (!r.done) heap.push([now + r.value, id]);
  }
  return { steps, seconds: (performance.now() - start) / 1000 };
}
