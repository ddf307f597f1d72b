/**
 * Ports: interfaces a lower layer calls and a higher layer provides, so that no import points up
 * the layer table of DESIGN.md. `src/session` provides the session port when it is loaded (the
 * public entry points load it); until then djazzle behaves as Django in autocommit mode.
 */

/** What the query and model layers ask of the session bound to the current async context. */
export interface SessionPort {
  /** The connection alias the session runs on. */
  readonly alias: string;
  /** One instance per (model, pk): returns the tracked instance, or registers `instance`. */
  identityLookup(modelKey: object, pk: unknown): object | undefined;
  identityRegister(modelKey: object, pk: unknown, instance: object): void;
  identityForget(modelKey: object, pk: unknown): void;
  /** Called before a query runs (autoflush). */
  beforeQuery(): Promise<void>;
  /** Whether an instance has unsaved changes the session must not overwrite. */
  hasPendingChanges(instance: object): boolean;
  /** A Django-style `save()` wrote `instance` (the session records it as clean and tracked). */
  saved(instance: object, created?: boolean): void;
  /** A Django-style `delete()` or the collector deleted `instance`. */
  deleted(instance: object): void;
}

export interface SessionProvider {
  current(): SessionPort | undefined;
}

let sessionProvider: SessionProvider | undefined;

export function provideSessions(provider: SessionProvider): void {
  sessionProvider = provider;
}

/** The session of the current async context, or `undefined` outside any session. */
export function activeSession(): SessionPort | undefined {
  return sessionProvider?.current();
}

/** Opens a session on a connection: `db.session(fn, opts)` delegates here. */
export type SessionOpener = (alias: string, fn: (session: unknown) => unknown, options: object) => Promise<unknown>;

let sessionOpener: SessionOpener | undefined;

export function provideSessionOpener(opener: SessionOpener): void {
  sessionOpener = opener;
}

export function getSessionOpener(): SessionOpener | undefined {
  return sessionOpener;
}
