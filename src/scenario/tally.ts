/**
 * Trace-event patterns of properties, and their tallies taken while a run
 * records its trace: a run keeps only a window of its events, so predicates
 * over events (`event`, `before`, `count`) are counted as events happen.
 *
 * @module
 */
import { canonicalJson, type Json } from "../engine/canonical.js";
import type { TraceEvent } from "../engine/trace.js";
import type { RunResult } from "../engine/simulation.js";
import type { EventMatchSpec, PredicateSpec } from "./schema.js";

/** Does trace event `e` match pattern `m`? */
export function matches(e: TraceEvent, m: EventMatchSpec): boolean {
  return (
    (m.task === undefined || e.task === m.task) &&
    (m.ev === undefined || e.ev === m.ev) &&
    (m.fn === undefined || e.fn === m.fn) &&
    (m.lock === undefined || e.args?.lock === m.lock) &&
    (m.ret === undefined || (e.ret !== undefined && canonicalJson(e.ret) === canonicalJson(m.ret as Json)))
  );
}

/** Every event pattern a predicate names, in `event`, `before` and `count`, at any depth. */
export function patterns(p: PredicateSpec): EventMatchSpec[] {
  if (p.event !== undefined) return [p.event];
  if (p.before !== undefined) return [...p.before];
  if (p.count !== undefined) return [p.count.event];
  if (p.all !== undefined) return p.all.flatMap(patterns);
  if (p.any !== undefined) return p.any.flatMap(patterns);
  if (p.not !== undefined) return patterns(p.not);
  return [];
}

/** For each event pattern of a predicate: the index of the first matching event and how many match. */
export class EventTally {
  private readonly stats = new Map<EventMatchSpec, { first: number; count: number }>();
  private index = 0;

  /** A tally of `p`'s patterns (by identity), empty until events are {@link EventTally.observe}d. */
  constructor(p: PredicateSpec) {
    for (const m of patterns(p)) this.stats.set(m, { first: -1, count: 0 });
  }

  /**
   * The tally of `p` over a finished run's kept trace; throws RangeError when
   * the run did not keep every event (tally while recording instead, as
   * runs of a scenario's own property do).
   */
  static of(p: PredicateSpec, result: Pick<RunResult, "trace" | "traceGap" | "traceEvents">): EventTally {
    if (result.traceGap !== null) {
      throw new RangeError(`a predicate over trace events needs every event: this run kept ${result.trace.length} of its ${result.traceEvents} (state it as the scenario's property, which is counted while the run records)`);
    }
    const tally = new EventTally(p);
    for (const e of result.trace) tally.observe(e);
    return tally;
  }

  /** Whether every event pattern of `p` is tallied here. */
  covers(p: PredicateSpec): boolean {
    return patterns(p).every((m) => this.stats.has(m));
  }

  /** Count the next trace event. */
  observe(e: TraceEvent): void {
    for (const [m, s] of this.stats) {
      if (matches(e, m) && s.count++ === 0) s.first = this.index;
    }
    this.index++;
  }

  /** Index (in the whole trace) of the first event matching `m`, or -1. */
  first(m: EventMatchSpec): number {
    return this.stat(m).first;
  }

  /** Number of events matching `m`. */
  count(m: EventMatchSpec): number {
    return this.stat(m).count;
  }

  private stat(m: EventMatchSpec): { first: number; count: number } {
    const s = this.stats.get(m);
    if (!s) throw new Error("event pattern not tallied");
    return s;
  }
}
