// An identity's `state` with Kratos' default filled in: the one rule every place that reads or writes a state uses.

/** The state Kratos gives an identity created without one (`POST /admin/identities`; a PUT without one keeps the
 * current state, so putBody always sends it). */
export const DEFAULT_STATE = "active";

/**
 * `of.state`, or {@link DEFAULT_STATE} when it is absent (`undefined` or `null`): a manifest body, a live identity
 * (`GET /admin/identities/{id}`) or Pulumi properties. Any other value is returned as it is: whether it is a state
 * Kratos knows is for the manifest schema and the server to say.
 */
export function identityState<S>(of: { state?: S | null }): NonNullable<S> | typeof DEFAULT_STATE {
  return of.state ?? DEFAULT_STATE;
}
