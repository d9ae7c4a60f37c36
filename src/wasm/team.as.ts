/**
 * How the threads of a team wait for each other in the team block (layout.ts): barriers, and
 * the wait of a helper for thread 0's next command. A wait spins on the shared word first
 * (a program's phases last ~10-100 us and the threads' parts differ by a few), then sleeps
 * (Atomics.wait) once SPINS loads brought nothing: a thread that has not arrived by then is most
 * likely not running (another process holds its core), and spinning on would keep the core
 * from it. The approach of kernels/simd.as.ts (whose measurements chose the numbers).
 */
import { FAIL_SILENT, SLOT_ARRIVALS, SLOTS, SLOT_BYTES, TEAM_FAILED, TEAM_SLEEPERS } from './layout.as';

/** Loads of a shared word before a wait sleeps on it: about 20 us at ~1 ns a load. */
const SPINS = 20000;
/** Sleeps of 0.1 s at a barrier with no news before a thread counts as gone: 30 s. */
const SILENT_SLEEPS = 300;

/** Thread t's slot: a cache line of its own. */
// @ts-ignore: decorator
@inline export function slot(team: usize, t: i32): usize {
  return team + SLOTS + <usize>t * SLOT_BYTES;
}

/**
 * Sleeps on the i32 at p while it is v, for at most `ns` (-1: no limit); true when it timed
 * out. SLEEPERS counts the sleeper first, so a thread that changes a word and then reads
 * SLEEPERS (wake) either sees it and notifies, or changed the word before this wait reads it
 * (atomics are sequentially consistent), and the wait returns at once.
 */
export function sleepOn(team: usize, p: usize, v: i32, ns: i64): bool {
  atomic.add<i32>(team + TEAM_SLEEPERS, 1);
  const result = atomic.wait<i32>(p, v, ns);
  atomic.sub<i32>(team + TEAM_SLEEPERS, 1);
  return result == AtomicWaitResult.TIMED_OUT;
}

/** Wakes the threads sleeping on the i32 at p, after it changed: only when some thread sleeps (a notify costs ~40-90 ns, a load ~1). */
// @ts-ignore: decorator
@inline export function wake(team: usize, p: usize): void {
  if (atomic.load<i32>(team + TEAM_SLEEPERS) != 0) atomic.notify(p);
}

/**
 * Waits until the i32 at p is at least k (it only grows); false when a thread failed meanwhile,
 * or when nothing happened for SILENT_SLEEPS sleeps of 0.1 s (a thread that died without a word:
 * the team is then marked FAILED, so that no thread waits forever).
 */
function waitAtLeast(team: usize, p: usize, k: i32): bool {
  let spins = 0;
  let sleeps = 0;
  while (true) {
    const v = atomic.load<i32>(p);
    if (v >= k) return true;
    if (atomic.load<i32>(team + TEAM_FAILED) != 0) return false;
    if (++spins >= SPINS) {
      if (sleepOn(team, p, v, 100_000_000) && ++sleeps >= SILENT_SLEEPS) {
        atomic.store<i32>(team + TEAM_FAILED, FAIL_SILENT);
        return false;
      }
      spins = 0;
    }
  }
}

/** Returns once threads 0 .. threads - 1 have all arrived here as often as this one; false when a thread failed. */
export function barrier(team: usize, thread: i32, threads: i32): bool {
  if (threads == 1) return true;
  const mine = slot(team, thread) + SLOT_ARRIVALS;
  const k = atomic.load<i32>(mine) + 1;
  atomic.store<i32>(mine, k);
  wake(team, mine);
  for (let t = 0; t < threads; t++) {
    if (t != thread && !waitAtLeast(team, slot(team, t) + SLOT_ARRIVALS, k)) return false;
  }
  return true;
}

/** Waits (spinning, then sleeping without limit) until the i32 at p is no longer `seen`; returns its value. */
export function waitForChange(team: usize, p: usize, seen: i32): i32 {
  let spins = 0;
  let v = atomic.load<i32>(p);
  while (v == seen) {
    if (++spins >= SPINS) {
      sleepOn(team, p, seen, -1);
      spins = 0;
    }
    v = atomic.load<i32>(p);
  }
  return v;
}

/** Item t * count / threads: thread t's share of `count` items is share(t) .. share(t + 1) - 1. */
// @ts-ignore: decorator
@inline export function share(count: i32, t: i32, threads: i32): i32 {
  return <i32>((<i64>count * <i64>t) / <i64>threads);
}
