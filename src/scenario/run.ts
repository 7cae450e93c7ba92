/**
 * Running a scenario: build the simulation its data describes, run it, hash
 * the trace.
 *
 * @module
 */
import { Mutex } from "../engine/mutex.js";
import { RwSemaphore } from "../engine/rwsem.js";
import { Simulation, type RunResult, type SchedStep } from "../engine/simulation.js";
import type { SchedPolicy } from "../engine/policy.js";
import type { TraceEvent, TraceWindow } from "../engine/trace.js";
import { profile, type Behaviour } from "../profiles/index.js";
import { applyPatches } from "../profiles/patches.js";
import { normalizeScenario, scenarioId, type NormalizedScenario } from "./normalize.js";
import type { GupPages } from "../mm/gup.js";
import type { Kernel } from "../mm/kernel.js";
import { mm_snapshot, type MmState } from "../mm/snapshot.js";
import { buildKvm } from "./kvm.js";
import { buildPostcopy, postcopySummary, type PostcopySummary } from "./postcopy.js";
import { buildKernel } from "./mm.js";
import { runOps } from "./ops.js";
import type { OpSpec, ScenarioSpec } from "./schema.js";
import { EventTally } from "./tally.js";
import { assertScenario } from "./validate.js";

/** Overrides applied on top of the scenario (CLI flags, notebook inputs, seed sweeps). */
export interface RunOptions {
  /** Replace the scenario's seed. */
  seed?: number;
  /** Replace the scenario's profile. */
  profile?: string;
  /** Replace the scenario's policy (and drop its explicit schedule). */
  policy?: "time" | "random";
  /** Progress callback, every `progressEvery` steps or operations, with the steps, the virtual time (ns) and the operations done. */
  onProgress?: (steps: number, now: number, work: number) => void;
  /** Steps (or operations within a step) between `onProgress` calls (default 65536). */
  progressEvery?: number;
  /** Which trace events to keep in memory (default: the engine's `DEFAULT_TRACE_WINDOW`); every event is hashed either way. */
  traceWindow?: TraceWindow;
  /** Called with every trace event as it is recorded (what needs events the window drops). */
  onEvent?: (e: TraceEvent) => void;
  /** Record the trace (default true); benchmarks of the model alone turn it off. */
  trace?: boolean;
  /** Run with this behaviour instead of the profile's (bisect flips one switch at a time). */
  behaviour?: Behaviour;
  /** Called after every step with the simulation and the modelled kernel (if any); invariant checkers in tests. */
  onStep?: (sim: Simulation, kernel: Kernel | null) => void;
  /** Choose among the candidates with this policy instead of the scenario's policy and schedule (the interleaving explorer). */
  chooser?: SchedPolicy;
  /** Called after every step (task or timer) with what it touched and the candidates it was chosen from (see the engine's `SimulationOptions.observe`). */
  observe?: (step: SchedStep) => void;
  /** With `observe`: the trace events whose order matters (those the property reads). */
  visible?: (e: TraceEvent) => boolean;
}

/** A finished scenario run. */
export interface ScenarioRun {
  /** The scenario as run, overrides applied. */
  readonly scenario: NormalizedScenario;
  /** Scenario id (see {@link scenarioId}). */
  readonly id: string;
  /** What the engine returned. */
  readonly result: RunResult;
  /** Trace hash. */
  readonly hash: string;
  /** The events matching the scenario's property, counted while the run recorded them; null without a property. */
  readonly tally: EventTally | null;
  /** The modelled kernel, in its final state, when the scenario has an mm. */
  readonly kernel: Kernel | null;
  /** The final state as data (PTEs, folio counts, lock holders), when the scenario has an mm. */
  readonly final: MmState | null;
  /** Page sets GUP ops still hold at the end (taken with `hold`, not yet released). */
  readonly held: ReadonlyMap<string, GupPages>;
  /** The post-copy summary, when the scenario has a postcopy section. */
  readonly postcopy: PostcopySummary | null;
}

/** Apply overrides to a normalized scenario. */
export function withOptions(s: NormalizedScenario, o: RunOptions): NormalizedScenario {
  return {
    ...s,
    seed: o.seed ?? s.seed,
    profile: o.profile ?? s.profile,
    policy: o.policy ?? s.policy,
    schedule: o.policy !== undefined ? null : s.schedule,
  };
}

/** Names of the tasks the scenario's fork ops create. */
function forkedTasks(tasks: readonly { readonly ops: readonly OpSpec[] }[]): Set<string> {
  const names = new Set<string>();
  const walk = (ops: readonly OpSpec[]): void => {
    for (const op of ops) {
      if (op.op === "repeat") walk(op.ops);
      if (op.op === "fork") {
        names.add(op.child.name);
        walk(op.child.ops);
      }
    }
  };
  for (const t of tasks) walk(t.ops);
  return names;
}

/** Run a normalized scenario. Memory stays bounded however long it runs: the trace is hashed as it is recorded and only a window of it kept. */
export function runNormalized(s: NormalizedScenario, hooks: Pick<RunOptions, "onProgress" | "progressEvery" | "traceWindow" | "onEvent" | "onStep" | "trace" | "behaviour" | "chooser" | "observe" | "visible"> = {}): ScenarioRun {
  const behaviour = hooks.behaviour ?? applyPatches(profile(s.profile).behaviour, s.patches ?? []);
  let kernel: Kernel | null = null;
  const onStep = hooks.onStep;
  const tally = s.property ? new EventTally(s.property.exists) : null;
  const onEvent = hooks.onEvent;
  const sim = new Simulation({
    seed: s.seed,
    policy: hooks.chooser ?? s.policy,
    ...(s.schedule && !hooks.chooser ? { schedule: s.schedule } : {}),
    ...(s.interleave === "any" ? { interleave: s.interleave } : {}),
    ...(hooks.observe ? { observe: hooks.observe } : {}),
    ...(hooks.visible ? { visible: hooks.visible } : {}),
    maxSteps: s.maxSteps,
    faults: s.faults,
    trace: hooks.trace ?? true,
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(hooks.progressEvery ? { progressEvery: hooks.progressEvery } : {}),
    ...(hooks.traceWindow ? { traceWindow: hooks.traceWindow } : {}),
    ...(tally || onEvent
      ? {
          onEvent: (e: TraceEvent) => {
            tally?.observe(e);
            onEvent?.(e);
          },
        }
      : {}),
    ...(onStep ? { onStep: (x: Simulation) => onStep(x, kernel) } : {}),
  });
  const rwsems = new Map<string, RwSemaphore>();
  const mutexes = new Map<string, Mutex>();
  for (const l of s.locks) {
    if (l.kind === "rwsem") rwsems.set(l.name, new RwSemaphore(sim, l.name, { lockClass: l.class, readerWake: behaviour.rwsem_reader_wake }));
    else mutexes.set(l.name, new Mutex(sim, l.name, l.class));
  }
  const built = s.mm ? buildKernel(sim, behaviour, s.mm) : null;
  kernel = built?.kernel ?? null;
  if (built) rwsems.set("mmap_lock", built.kernel.mm.mmap_lock);
  const env = { rwsems, mutexes, kernel: built?.kernel ?? null, vmas: built?.vmas ?? new Map(), held: new Map<string, GupPages>(), forked: forkedTasks(s.tasks), exited: new Set<string>(), devices: built?.devices ?? new Map() };
  for (const task of s.tasks) sim.spawn(task.name, (t) => runOps(t, task.ops, env), { opaque: false, returnsToUser: true });
  if (s.kvm) buildKvm(kernel!, s.kvm);
  const vmm = s.postcopy ? buildPostcopy(kernel!, s.postcopy) : null;
  const result = sim.run();
  const postcopy = vmm && postcopySummary(result, vmm);
  return { scenario: s, id: scenarioId(s), result, hash: result.traceHash, tally, kernel, final: kernel && !vmm ? mm_snapshot(kernel) : null, held: env.held, postcopy };
}

/** Validate, normalize and run a scenario (parsed JSON). Throws ScenarioValidationError on bad input. */
export function runScenario(data: unknown, options: RunOptions = {}): ScenarioRun {
  const spec: ScenarioSpec = assertScenario(data);
  return runNormalized(withOptions(normalizeScenario(spec), options), options);
}
