/**
 * background() and todo(): the roots of every context tree. They are never
 * cancelled, have no deadline and carry no values: value contexts over nothing
 * (see ValueContext for why they share its class).
 */
import type { Context } from '../context.js';
import { ValueContext } from './value.js';

const BACKGROUND = ValueContext.root('context.Background');
const TODO = ValueContext.root('context.TODO');

/**
 * background returns the one shared, never-cancelled, empty context: the root
 * for the main function, initialisation, tests, and incoming requests.
 */
export function background(): Context {
  return BACKGROUND;
}

/**
 * todo returns a never-cancelled, empty context like background(), to mark
 * code where it is not yet clear which context to use.
 */
export function todo(): Context {
  return TODO;
}
