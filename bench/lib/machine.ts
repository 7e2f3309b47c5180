/** How busy the machine is: other processes share its two cores and its disk. */
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';

/** One reading of the machine's load. */
export interface LoadReading {
  readonly at: string;
  /** 1-minute load average. */
  readonly load1: number;
  /** Share of the last 60 s in which some task waited for a CPU (PSI), in percent. */
  readonly cpuPressure60: number | null;
  /** Share of the last 60 s in which some task waited for I/O (PSI), in percent. */
  readonly ioPressure60: number | null;
}

function pressure(kind: 'cpu' | 'io'): number | null {
  try {
    const text = readFileSync(`/proc/pressure/${kind}`, 'utf8');
    const m = /^some .*avg60=([\d.]+)/m.exec(text);
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/** Reads the load now. */
export function readLoad(): LoadReading {
  return { at: new Date().toISOString(), load1: loadavg()[0] ?? 0, cpuPressure60: pressure('cpu'), ioPressure60: pressure('io') };
}

/** A one-line description of the machine. */
export function describeMachine(): { cpus: number; model: string; node: string } {
  const list = cpus();
  return { cpus: list.length, model: list[0]?.model ?? 'unknown', node: process.version };
}
