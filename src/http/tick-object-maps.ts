import { executionAsyncResource } from 'node:async_hooks';

/**
 * Keeps the hidden classes of `process.nextTick`'s tick objects alive, so that node's per-request code stays
 * fast for the life of the process (docs/PERFORMANCE.md, seventh pass).
 *
 * Why: `process.nextTick` builds each tick object with a literal whose first two keys are computed
 * (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`), and node:http and streams call it
 * several times per request. V8 keeps the maps (hidden classes) between that literal's keys only weakly: when
 * a full garbage collection runs while no tick object is alive (while modules load at start-up, or in an idle
 * server), they die, and the next tick objects get new ones. Three of the literal's four
 * inline caches then see new maps each time; after a few such collections they turn megamorphic, for the life
 * of the process, and every tick object goes through V8's runtime (`Runtime_DefineKeyedOwnPropertyInLiteral`,
 * `JSObject::MigrateToMap`, ...). Measured on Node 20: bare node:http went from 12.2 to 15.4 µs of CPU per
 * request after idle full collections; with one tick object kept alive it stayed at 10.6-11.2 µs and the caches
 * stayed monomorphic. It was the "slow per-process state" of the sixth pass; xmedia with this module: 0.85 × the
 * CPU per lookup, 0.98 × per metadata write (paired A/Bs, both ways).
 *
 * How: one tick object, taken from inside a `process.nextTick` callback (where it is the execution resource),
 * is kept; its map holds the chain of maps before it alive. It must be taken before anything else loads
 * (src/preload.ts): loading Fastify, its plugins and xmedia's modules runs collections of its own, and the caches
 * turned megamorphic during start-up stay so. It is taken again every minute, in case V8 has since replaced the
 * chain (a field's representation generalised). On a Node whose tick callbacks see another resource, nothing is
 * kept and nothing changes. test/tick-object-maps.test.ts shows the V8 behaviour on this Node, with and without.
 */
const REFRESH_MS = 60_000;

/** The latest tick object, kept only for its map. */
let anchor: object | undefined;

function takeAnchor(): void {
  process.nextTick(function keepTickObject() {
    const resource = executionAsyncResource() as { callback?: unknown };
    if (resource.callback === keepTickObject) anchor = resource;
  });
}

/** Starts keeping the maps alive (once per process); returns a function that stops it. */
export function keepTickObjectMapsAlive(): () => void {
  takeAnchor();
  const refresh = setInterval(takeAnchor, REFRESH_MS).unref();
  return () => {
    clearInterval(refresh);
    anchor = undefined;
  };
}

/** Whether a tick object is being kept (false on a Node whose tick callbacks see another resource). */
export function keepingTickObject(): boolean {
  return anchor !== undefined;
}
