/**
 * background() and todo(): the roots of every context tree. They are never
 * cancelled, have no deadline and carry no values.
 */
import { BaseContext, NEVER, neverAbortedSignal } from '../base.js';
import type { Context } from '../context.js';
import type { CancelNode } from '../tree.js';

/** The kind of background() and todo(): an empty root, told apart only by its name. */
class EmptyContext extends BaseContext {
  private readonly _name: string;
  constructor(name: string) {
    super(null);
    this._name = name;
  }
  _governor(): CancelNode | null {
    return null;
  }
  _label(): string {
    return this._name;
  }
  done(): Promise<void> {
    return NEVER;
  }
  err(): undefined {
    return undefined;
  }
  deadline(): undefined {
    return undefined;
  }
  get signal(): AbortSignal {
    return neverAbortedSignal();
  }
}

const BACKGROUND = new EmptyContext('context.Background');
const TODO = new EmptyContext('context.TODO');

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
