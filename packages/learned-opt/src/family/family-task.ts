import { foldIn, split, type Evaluation, type InitOptions, type Key, type Task } from '@pes/core';
import {
  imageClassificationTask,
  smallConvNetwork,
  type ImageClassificationTask,
  type ImageData,
  type InnerUpdateRule,
  type MlpState,
} from '@pes/inner-problems';
import { reparameterisedRule } from './reparameterised-rule.js';
import { sampleMember, type FamilyMember, type TaskFamily } from './task-family.js';

export interface FamilyTaskOptions {
  name: string;
  family: TaskFamily;
  /** Each dataset the family names, loaded. */
  data: Partial<Record<FamilyMember['dataset'], ImageData>>;
  rule: InnerUpdateRule;
  /**
   * The rule for one member, when it depends on the member (a learning-rate schedule over its
   * horizon); by default `rule`. Same dim and starting θ as `rule`.
   */
  ruleFor?: ((member: FamilyMember) => InnerUpdateRule) | undefined;
  /** What each step reports: as the image tasks (`imageClassificationTask`). */
  objective: 'train-loss' | 'val-loss';
}

/**
 * Every particle's inner problem and its network. Particle p trains `members[p]` from
 * `problems[p]` (a one-particle state of that member's image task).
 */
export interface FamilyState {
  members: FamilyMember[];
  problems: MlpState[];
}

/** Image tasks kept built at once (each is a few closures). */
const MAX_CACHED_TASKS = 256;

/** Salt of the key a particle's next member and network are drawn from when its episode ends. */
const NEXT_EPISODE = 0x66_61_6d; // "fam"

/**
 * Meta-training over a task family: each particle trains an inner problem drawn from the family,
 * and draws a new one (new network, width, depth, activation, batch size, horizon) whenever its
 * episode ends. One particle's problem is an ordinary image task of one particle, so its steps
 * are exactly the image tasks' steps.
 *
 * Draws are particle-separable, so a run gives the same θ on any number of workers: a particle's
 * first problem comes from the key and its step offset (a staggered group's particles share
 * their offset, so antithetic pairs train the same problem), and a later one from the key of the
 * step at which its episode ended. Particles whose episodes end at the same step draw the same
 * problem: common random numbers, as the image tasks' fresh networks.
 */
export function familyTask(options: FamilyTaskOptions): Task<FamilyState> {
  const { family, rule } = options;
  const tasks = new Map<string, ImageClassificationTask>();
  /** The member's rule: its own (`ruleFor`), acting on the problem as reparameterised. */
  const ruleOf = (member: FamilyMember): InnerUpdateRule => {
    const own = options.ruleFor?.(member) ?? rule;
    return member.reparameterisation ? reparameterisedRule(own, member.reparameterisation) : own;
  };
  /**
   * The image task of a member, built once (its closures hold no tensors, so a task built again
   * is the same task: the cache is emptied when it grows, as it does when every member is
   * reparameterised anew).
   */
  const taskOf = (member: FamilyMember): ImageClassificationTask => {
    const id = JSON.stringify(member);
    let task = tasks.get(id);
    if (!task) {
      if (tasks.size >= MAX_CACHED_TASKS) tasks.clear();
      const data = options.data[member.dataset];
      if (!data) throw new RangeError(`${options.name}: no data loaded for ${member.dataset}`);
      const { features, channelSize, classNames } = data.train;
      const classes = classNames.length;
      const conv = member.network === 'conv';
      task = imageClassificationTask({
        name: `${options.name}/${member.dataset}`,
        data,
        // A conv net's architecture is its inputs and classes; its layers are the classifier's.
        architecture: conv ? [features, classes] : [features, ...member.hidden, classes],
        ...(conv
          ? {
              classifier: smallConvNetwork({
                size: Math.round(Math.sqrt(channelSize)),
                channels: features / channelSize,
                classes,
                filters: member.hidden,
                activation: member.activation,
              }),
            }
          : {}),
        activation: member.activation,
        batchSize: member.batchSize,
        horizon: member.horizon,
        rule: ruleOf(member),
        objective: options.objective,
        formulation: 'per-particle',
      });
      tasks.set(id, task);
    }
    return task;
  };
  const one = Int32Array.of(0);
  /** A fresh episode of a member drawn from `key`, at `offset` steps in. */
  const freshProblem = (key: Key, offset = 0) => {
    const [memberKey, networkKey] = split(key, 2) as [Key, Key];
    const member = sampleMember(family, memberKey);
    const problem = taskOf(member).init(networkKey, 1, { stepOffsets: Int32Array.of(offset) });
    return { member, problem };
  };
  const copy = (state: FamilyState, p: number) => ({
    member: state.members[p]!,
    problem: taskOf(state.members[p]!).gather(state.problems[p]!, one),
  });
  const collect = (parts: { member: FamilyMember; problem: MlpState }[]): FamilyState => ({
    members: parts.map((x) => x.member),
    problems: parts.map((x) => x.problem),
  });

  const task: Task<FamilyState> = {
    name: options.name,
    dim: rule.dim,
    // The longest episode: staggering offsets are drawn below it (each is taken modulo the
    // particle's own horizon).
    horizon: family.horizon.max,
    initialTheta: () => rule.initialTheta(),
    init(key, particles, initOptions?: InitOptions) {
      const offsets = initOptions?.stepOffsets;
      return collect(
        Array.from({ length: particles }, (_, p) => {
          const offset = offsets?.[p] ?? 0;
          return freshProblem(foldIn(key, offset), offset);
        }),
      );
    },
    unroll(state, thetas, steps, key) {
      const particles = state.members.length;
      const losses = new Float64Array(particles * steps);
      const done = new Uint8Array(particles * steps);
      const next: { member: FamilyMember; problem: MlpState }[] = [];
      for (let p = 0; p < particles; p++) {
        const theta = thetas.subarray(p * rule.dim, (p + 1) * rule.dim);
        let member = state.members[p]!;
        let problem = state.problems[p]!;
        let owned = false;
        for (let k = 0; k < steps;) {
          const inner = taskOf(member);
          // Up to the end of the episode: the next member starts where it ends.
          const n = Math.min(steps - k, member.horizon - problem.t[0]!);
          const r = inner.unroll(problem, theta, n, foldIn(key, k));
          if (owned) inner.dispose!(problem);
          losses.set(r.losses, p * steps + k);
          k += n;
          if (r.done[n - 1]) {
            done[p * steps + k - 1] = 1;
            inner.dispose!(r.state);
            ({ member, problem } = freshProblem(foldIn(foldIn(key, k - 1), NEXT_EPISODE)));
          } else {
            problem = r.state;
          }
          owned = true;
        }
        next.push(owned ? { member, problem } : copy(state, p));
      }
      return { state: collect(next), losses, done };
    },
    reset(state, mask, key) {
      return collect(state.members.map((_, p) => (mask[p] ? freshProblem(key) : copy(state, p))));
    },
    gather(state, indices) {
      return collect(Array.from(indices, (p) => copy(state, p)));
    },
    /**
     * The mean per-step objective over one episode of each of the family's evaluation problems,
     * from a fresh network, and their mean validation figures.
     */
    evaluate(theta, key): Evaluation {
      const totals = { evalLoss: 0, valLoss: 0, valAccuracy: 0 };
      family.evaluation.forEach((member, i) => {
        const e = taskOf(member).evaluate(theta, foldIn(key, i));
        totals.evalLoss += e.evalLoss / member.horizon;
        totals.valLoss += e['valLoss']!;
        totals.valAccuracy += e['valAccuracy']!;
      });
      const n = family.evaluation.length;
      return {
        evalLoss: totals.evalLoss / n,
        valLoss: totals.valLoss / n,
        valAccuracy: totals.valAccuracy / n,
      };
    },
    snapshot(state) {
      const parts = state.problems.map(
        (s, p) =>
          taskOf(state.members[p]!).snapshot!(s) as { params: unknown[]; optimizer: unknown[] },
      );
      return {
        members: state.members,
        params: parts.map((s) => s.params[0]),
        optimizer: parts.map((s) => s.optimizer[0]),
        t: Int32Array.from(state.problems, (s) => s.t[0]!),
      };
    },
    restore(snapshot) {
      const s = snapshot as {
        members?: unknown;
        params?: unknown;
        optimizer?: unknown;
        t?: unknown;
      };
      if (
        !Array.isArray(s?.members) ||
        !Array.isArray(s.params) ||
        !Array.isArray(s.optimizer) ||
        !(s.t instanceof Int32Array) ||
        s.params.length !== s.members.length ||
        s.t.length !== s.members.length
      )
        throw new TypeError(`${options.name} checkpoint: not a task-family state`);
      const members = s.members as FamilyMember[];
      return {
        members,
        problems: members.map((member, p) =>
          taskOf(member).restore!({
            params: [(s.params as unknown[])[p]],
            optimizer: [(s.optimizer as unknown[])[p]],
            t: (s.t as Int32Array).slice(p, p + 1),
          }),
        ),
      };
    },
    dispose(state) {
      state.problems.forEach((s, p) => taskOf(state.members[p]!).dispose!(s));
    },
  };
  return task;
}
