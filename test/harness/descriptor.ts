/**
 * What a harness hands to tests: a connection URL and the driver that takes it. Plain data, so it
 * crosses from the Node-side global setup into workerd (vitest `provide`/`inject`); this module
 * imports nothing Node-only, so tests inside workerd can import it.
 */
import type { DriverName } from '../../src/db/driver.js';

export interface HarnessDescriptor {
  readonly driver: DriverName;
  /** Pass to `connect(url, { driver })`. */
  readonly url: string;
  /** `neon-http` only: the stand-in's request counter (`GET` → `{ requests }`, `POST …/reset`). */
  readonly statsUrl?: string;
}

/** A harness that could not start here, and why (the suite is skipped with this reason). */
export interface SkippedHarness {
  readonly skip: string;
}

export type HarnessSlot = HarnessDescriptor | SkippedHarness;

/** What the global setup provides under the `djazzleHarness` key. */
export type ProvidedHarnesses = Partial<Record<Exclude<DriverName, 'pglite'>, HarnessSlot>>;

export function isSkipped(slot: HarnessSlot | undefined): slot is SkippedHarness | undefined {
  return slot === undefined || 'skip' in slot;
}

/** SQL requests the `neon-http` stand-in has received (readable from any runtime: it asks over HTTP). */
export async function neonHttpRequests(statsUrl: string): Promise<number> {
  const response = await fetch(statsUrl);
  return ((await response.json()) as { requests: number }).requests;
}

/** Zeroes the `neon-http` stand-in's request counter. */
export async function resetNeonHttpRequests(statsUrl: string): Promise<void> {
  await (await fetch(`${statsUrl}/reset`, { method: 'POST' })).arrayBuffer();
}
