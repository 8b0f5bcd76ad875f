// The per-kind half of the API server, after kube-apiserver's registry/*/strategy.go: the
// generic store (registry.ts) runs the same steps for every kind and asks the kind's strategy
// what each step means for it. A create is decode -> defaults -> admit -> prepareForCreate ->
// validate -> allocate -> write; an update is prepareForUpdate -> defaults -> validate -> write;
// a delete asks for the grace period and pending finalizers.
import type { FieldError } from '../../api/field-errors.js';
import type { Profile } from '../../api/profiles.js';
import type { ToTableOptions } from '../../api/table/to-table.js';
import type { Table } from '../../api/table/types.js';
import type { Store } from '../../store/store.js';
import type { ApiObject } from '../object-meta.js';

/** What a strategy may use besides the object: the store (allocation, admission lookups), the timing profile and the admission plugins turned on. */
export interface StrategyContext {
  store: Store;
  profile: Profile;
  admission: AdmissionPlugins;
}

/** kube-apiserver's optional admission plugins (--disable-admission-plugins). */
export interface AdmissionPlugins {
  serviceAccount: boolean;
}

export interface ResourceStrategy {
  /** kube's AllowCreateOnUpdate: a PUT to a missing name creates it (objects their writer upserts). */
  readonly allowCreateOnUpdate: boolean;
  /** A create keeps the client's status; otherwise a kind with a /status subresource starts without one. */
  readonly keepStatusOnCreate: boolean;
  /** Defaulting, on every write through the main resource (create and update). */
  applyDefaults(obj: ApiObject): void;
  /** Mutating admission on create, after defaulting (kube's default admission plugins). */
  admit(obj: ApiObject, ctx: StrategyContext): void | Promise<void>;
  /** kube's PrepareForCreate: what the server, not the client, sets on a new object. */
  prepareForCreate(obj: ApiObject): void;
  /** kube's PrepareForUpdate: what an update keeps from the stored object, beyond server metadata. */
  prepareForUpdate(next: ApiObject, old: ApiObject): void;
  /** Validates a create (old undefined) or an update. */
  validate(obj: ApiObject, old?: ApiObject): FieldError[];
  /** Validates a write through the /status subresource. */
  validateStatus(obj: ApiObject, old: ApiObject): FieldError[];
  /** Takes what must be unique across objects (a Service's ClusterIP); not run on dry runs. */
  allocate(obj: ApiObject, ctx: StrategyContext): Promise<void>;
  /** Seconds a delete waits for the object's owner to confirm (graceful pod deletion); 0 deletes at once. */
  deletionGracePeriod(obj: ApiObject, requested: number | undefined): number;
  /** Finalizers outside metadata.finalizers that keep a deleted object (a namespace's spec.finalizers). */
  pendingFinalizers(obj: ApiObject): string[];
  /** Marks an object being deleted, beyond its deletionTimestamp (a namespace's Terminating phase). */
  prepareForDeletion(obj: ApiObject): void;
  /** The /finalize subresource, for kinds that serve it: the stored object with the written finalizers. */
  finalize?(old: ApiObject, incoming: ApiObject): ApiObject;
  /** Server-side printing: the Table of columns kubectl shows for this kind. */
  convertToTable(objects: readonly ApiObject[], opts: ToTableOptions): Table;
}
