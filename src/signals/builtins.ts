/**
 * Django's built-in signals (`django.db.models.signals`, `django.core.signals`), payloads in camelCase.
 *
 * ```ts
 * postSave.connect(({ instance, created }) => …, { sender: Article }); // @receiver(post_save, sender=Article)
 * ```
 */
import { Signal } from './signal.js';

type AnyModel = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type AnyInstance = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface PreInitPayload { kwargs: Record<string, unknown> }
export interface PostInitPayload { instance: AnyInstance }
export interface PreSavePayload { instance: AnyInstance; raw: boolean; using: string; updateFields: ReadonlySet<string> | null }
export interface PostSavePayload extends PreSavePayload { created: boolean }
export interface PreDeletePayload { instance: AnyInstance; using: string; origin: unknown }
export type PostDeletePayload = PreDeletePayload;
export type M2MAction = 'pre_add' | 'post_add' | 'pre_remove' | 'post_remove' | 'pre_clear' | 'post_clear';
export interface M2MChangedPayload {
  instance: AnyInstance;
  action: M2MAction;
  reverse: boolean;
  model: AnyModel;
  pkSet: Set<unknown> | null;
  using: string;
}
export interface MigratePayload { appConfig: unknown; verbosity: number; interactive: boolean; using: string; plan: unknown; apps: unknown }
export interface ClassPreparedPayload { [key: string]: never }
export interface RequestStartedPayload { environ?: unknown; request?: unknown }
export interface RequestFinishedPayload { request?: unknown }

export const preInit = new Signal<PreInitPayload>('preInit');
export const postInit = new Signal<PostInitPayload>('postInit');
export const preSave = new Signal<PreSavePayload>('preSave');
export const postSave = new Signal<PostSavePayload>('postSave');
export const preDelete = new Signal<PreDeletePayload>('preDelete');
export const postDelete = new Signal<PostDeletePayload>('postDelete');
export const m2mChanged = new Signal<M2MChangedPayload>('m2mChanged');
export const preMigrate = new Signal<MigratePayload>('preMigrate');
export const postMigrate = new Signal<MigratePayload>('postMigrate');
export const classPrepared = new Signal<ClassPreparedPayload>('classPrepared');
export const requestStarted = new Signal<RequestStartedPayload>('requestStarted');
export const requestFinished = new Signal<RequestFinishedPayload>('requestFinished');
