// CPU time of processes and of the whole machine, read from Linux's /proc, to say what
// bounds a load test: the server processes, a database server, the load generator, or
// something else on the machine. Elsewhere (no /proc) every reading is undefined and
// callers report "not measured".
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let ticksPerSecond;
/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux). */
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond =
        Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * `/proc/<pid>/stat` as `{ ppid, ticks }`: `ticks` is the process's user + system time
 * (all its threads) plus that of its children it has waited for, so the time of a
 * child that ended (a database connection's backend) stays counted in its parent.
 * Undefined when the process is gone.
 */
function statOf(pid, file = `/proc/${pid}/stat`) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (2nd field) may hold spaces and parentheses: fields resume after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (3rd field of stat); utime, stime, cutime, cstime are the 14th to 17th.
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return { ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime };
}

/**
 * CPU milliseconds used so far by the main thread of process `pid` alone (a Node
 * process's event loop; its other threads — the libuv pool, the GC — not counted).
 * Undefined when the process is gone.
 */
export function mainThreadCpuMs(pid) {
  const stat = statOf(pid, `/proc/${pid}/task/${pid}/stat`);
  return stat === undefined ? undefined : (stat.ticks * 1000) / clockTicks();
}

/** Whether this machine has /proc to read CPU times from. */
export function canReadCpuTimes() {
  return statOf(process.pid) !== undefined;
}

/**
 * CPU milliseconds used so far by each process tree rooted at `roots` (a process and
 * every descendant alive now, plus the descendants that ended and were waited for).
 * A tree whose root is gone counts 0.
 */
export function treeCpuMs(roots) {
  const children = new Map();
  const stats = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(entry);
    if (!stat) continue;
    const pid = Number(entry);
    stats.set(pid, stat);
    if (!children.has(stat.ppid)) children.set(stat.ppid, []);
    children.get(stat.ppid).push(pid);
  }
  const msPerTick = 1000 / clockTicks();
  return roots.map((root) => {
    let ticks = 0;
    const stack = [root];
    const seen = new Set();
    while (stack.length > 0) {
      const pid = stack.pop();
      if (seen.has(pid)) continue;
      seen.add(pid);
      const stat = stats.get(pid);
      if (!stat) continue;
      ticks += stat.ticks;
      stack.push(...(children.get(pid) ?? []));
    }
    return ticks * msPerTick;
  });
}

/**
 * The machine's CPU time so far, from the first line of /proc/stat, over all cores:
 * `{ busyMs, totalMs, interruptsMs, stealMs }`. Interrupt time (hardware and soft
 * interrupts: much of the kernel's network processing, loopback included) is charged to
 * no process; steal is time the hypervisor gave to other machines.
 */
export function machineCpuMs() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const msPerTick = 1000 / clockTicks();
  const busy = user + nice + system + irq + softirq + steal;
  return {
    busyMs: busy * msPerTick,
    totalMs: (busy + idle + iowait) * msPerTick,
    interruptsMs: (irq + softirq) * msPerTick,
    stealMs: steal * msPerTick,
  };
}

/**
 * Measures where the CPU time went while `run()` ran: each group of process trees
 * (`groups`: name → root pids, read when the measurement starts and ends), this
 * process (`load`: the load generator, its worker threads included), interrupts and
 * steal (see {@link machineCpuMs}), the rest of the machine (`other`: busy time none of
 * these account for, i.e. other processes) and `idle`. Returns `{ result, cpu }` where
 * `cpu` is `{ cores, wallMs, ms: { <group>, load, interrupts, steal, other, idle },
 * mainThreadMs }`, or `cpu: undefined` without /proc; `mainThreadMs` holds the CPU time
 * of the main thread of each process in `options.mainThreads` (see {@link mainThreadCpuMs}).
 *
 * @template T
 * @param {Record<string, number[]>} groups
 * @param {() => Promise<T>} run
 * @param {{ mainThreads?: number[] }} [options]
 * @returns {Promise<{ result: T, cpu: CpuReading | undefined }>}
 *
 * @typedef {{ cores: number, wallMs: number, ms: Record<string, number>, mainThreadMs: number[] }} CpuReading
 */
export async function measureCpu(groups, run, { mainThreads = [] } = {}) {
  if (!canReadCpuTimes()) return { result: await run(), cpu: undefined };
  const names = Object.keys(groups);
  const read = () => names.map((name) => treeCpuMs(groups[name]).reduce((a, b) => a + b, 0));
  const threadsBefore = mainThreads.map(mainThreadCpuMs);
  const groupsBefore = read();
  const machineBefore = machineCpuMs();
  const selfBefore = process.cpuUsage();
  const start = performance.now();
  const result = await run();
  const wallMs = performance.now() - start;
  const self = process.cpuUsage(selfBefore);
  const machine = machineCpuMs();
  const groupsAfter = read();
  const threadsAfter = mainThreads.map(mainThreadCpuMs);
  const ms = {};
  names.forEach((name, i) => {
    ms[name] = groupsAfter[i] - groupsBefore[i];
  });
  ms.load = (self.user + self.system) / 1000;
  ms.interrupts = machine.interruptsMs - machineBefore.interruptsMs;
  ms.steal = machine.stealMs - machineBefore.stealMs;
  const busy = machine.busyMs - machineBefore.busyMs;
  const accounted = Object.values(ms).reduce((a, b) => a + b, 0);
  ms.other = Math.max(0, busy - accounted);
  ms.idle = Math.max(0, machine.totalMs - machineBefore.totalMs - busy);
  const mainThreadMs = mainThreads.map((_, i) => (threadsAfter[i] ?? 0) - (threadsBefore[i] ?? 0));
  return { result, cpu: { cores: cpus().length, wallMs, ms, mainThreadMs } };
}

/** Adds CPU readings of the same processes up (several rounds of one configuration). */
export function sumCpu(readings) {
  const present = readings.filter((r) => r !== undefined);
  if (present.length === 0) return undefined;
  const ms = {};
  for (const r of present) for (const [k, v] of Object.entries(r.ms)) ms[k] = (ms[k] ?? 0) + v;
  const mainThreadMs = present[0].mainThreadMs.map((_, i) => present.reduce((s, r) => s + (r.mainThreadMs[i] ?? 0), 0));
  return { cores: present[0].cores, wallMs: present.reduce((s, r) => s + r.wallMs, 0), ms, mainThreadMs };
}

/** Shares of the machine's capacity (cores × wall time), rounded to whole per cent. */
export function cpuShares(reading) {
  const capacity = reading.cores * reading.wallMs;
  return Object.fromEntries(Object.entries(reading.ms).map(([k, v]) => [k, Math.round((v / capacity) * 100)]));
}
