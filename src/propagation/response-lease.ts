/**
 * Keeping one outgoing call's context alive for exactly as long as its
 * response body is in use.
 *
 * fetch ties the whole exchange, body included, to the signal it was given:
 * ending the call as soon as fetch resolves would abort a body the caller is
 * still reading, and keeping it tied to the caller's context for ever would
 * leave one registration per call on a long-lived context. So the response
 * holds a lease, and the call ends (the caller's context lets go of it) when
 * the first of these happens, for the response and for each of its clones:
 *
 * - its body has been read to the end by one of Response's methods (`text()`,
 *   `json()`, …) or through `res.body`, or has failed;
 * - the caller cancels the body (`res.body.cancel()`, or a reader's cancel);
 * - the response is garbage-collected unread (a FinalizationRegistry), which
 *   also aborts the request;
 * - the call's context is done (the caller's context ended, or the per-hop
 *   timeout fired), which aborts the body: reading it fails with the
 *   context's cause.
 *
 * The response is the one fetch returned, of its own class: its prototype is
 * replaced by one that derives from it and adds the watching (made once per
 * Response class), so status, headers, `instanceof` and every other property
 * are the platform's own. The body is read directly, without a stream in
 * between, unless the caller takes `res.body`: only then is it handed a
 * stream that reads the real body on demand.
 */
import { cause, type Context } from '../index.js';

/** The call a response's lease keeps alive: its context, and how it ends. */
export interface LeaseOwner {
  readonly ctx: Context;
  /** Ends the call, once; `abandoned` when the last response holding it was collected unread. */
  end(abandoned: boolean): void;
}

/**
 * The right to keep one call alive; given back once by every response that
 * holds it (a response and its clones). The call ends when the last is given
 * back. Finalization holds a Hold, so neither may reference a response.
 */
class Lease {
  private _holders = 0;
  constructor(readonly owner: LeaseOwner) {}

  /**
   * A hold on this lease for `response`, given back when it is finished with
   * or collected; giving it back also gives back `inner`, the hold of a lease
   * the response had already (fetch was itself a fetchWithContext).
   */
  holdFor(response: Response, inner: Hold | undefined): Hold {
    this._holders++;
    const hold = new Hold(this, inner);
    abandoned.register(response, hold, hold);
    return hold;
  }

  /** Called once by each hold; the last one ends the call. */
  drop(abandon: boolean): void {
    if (--this._holders === 0) this.owner.end(abandon);
  }
}

/** One response's share of a lease. */
class Hold {
  /** Set to undefined once given back. */
  private _lease: Lease | undefined;
  constructor(
    lease: Lease,
    private readonly _inner: Hold | undefined,
  ) {
    this._lease = lease;
  }

  get released(): boolean {
    return this._lease === undefined;
  }

  /** Gives the hold back (once); `abandon` when its response was collected unread. */
  release(abandon = false): void {
    const lease = this._lease;
    if (lease === undefined) return;
    this._lease = undefined;
    abandoned.unregister(this);
    lease.drop(abandon);
    this._inner?.release(abandon);
  }
}

/** Gives back the hold of a response that was dropped before it was finished with. */
const abandoned = new FinalizationRegistry<Hold>((hold) => hold.release(true));

/** What a leased response carries under LEASED. */
interface LeaseState {
  readonly lease: Lease;
  readonly hold: Hold;
  /** The prototype fetch gave the response: its own methods and getters. */
  readonly base: Response;
  /** The stream handed out as `res.body`, once asked for. */
  stream?: ReadableStream<Uint8Array>;
}

const LEASED = Symbol('ctxkit.responseLease');
type Leased = Response & { [LEASED]: LeaseState };

/** The methods of Response that read the whole body (`bytes` where the platform has it). */
const READERS = ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'] as const;
type BodyReader = (typeof READERS)[number];
type ReadAll = (this: Response) => Promise<unknown>;
/** Response's method `name` as `proto` has it, if it has it. */
const readerOf = (proto: Response, name: BodyReader): ReadAll | undefined => (proto as unknown as Record<BodyReader, ReadAll | undefined>)[name];

/** The leased prototype made for each Response prototype seen. */
const prototypes = new WeakMap<object, object>();

/**
 * leaseResponse ties `response`'s body to the call of `owner` and returns the
 * response: `owner.end()` runs once the body (and that of every clone) is
 * finished with, as described above. A response without a body, or with a
 * body already used, ends the call at once and is returned as it is.
 */
export function leaseResponse(response: Response, owner: LeaseOwner): Response {
  if (response.body === null || response.bodyUsed) {
    owner.end(false);
    return response;
  }
  attach(response, new Lease(owner));
  return response;
}

/** Gives `response` a hold on `lease` and the leased prototype of its class. */
function attach(response: Response, lease: Lease): void {
  const earlier = (response as Partial<Leased>)[LEASED];
  const base = earlier?.base ?? (Object.getPrototypeOf(response) as Response);
  // A plain store (a symbol key: no string-keyed enumeration sees it) costs a tenth of defineProperty.
  (response as Leased)[LEASED] = { lease, hold: lease.holdFor(response, earlier?.hold), base, stream: earlier?.stream };
  Object.setPrototypeOf(response, leasedPrototype(base));
}

/** The prototype of leased responses whose class's prototype is `base`. */
function leasedPrototype(base: Response): object {
  let proto = prototypes.get(base);
  if (proto !== undefined) return proto;
  const props: PropertyDescriptorMap = {
    body: { get: leasedBodyOf, configurable: true },
    clone: { value: cloneLeased, writable: true, configurable: true },
  };
  for (const name of READERS) {
    if (typeof readerOf(base, name) !== 'function') continue;
    props[name] = {
      value(this: Leased) {
        return readAll(this, name);
      },
      writable: true,
      configurable: true,
    };
  }
  proto = Object.create(base, props) as object;
  prototypes.set(base, proto);
  return proto;
}

/** Reads the whole body with Response's method `name`, then gives the hold back. */
function readAll(response: Leased, name: BodyReader): Promise<unknown> {
  const state = response[LEASED];
  let reading: Promise<unknown>;
  try {
    reading =
      state.stream === undefined
        ? readerOf(state.base, name)!.call(response)
        : // The body was taken as a stream: read what that stream gives (it fails if already read or locked).
          readerOf(Response.prototype, name)!.call(new Response(state.stream, { headers: response.headers }));
  } catch (e) {
    reading = Promise.reject(e);
  }
  return reading.then(
    (value) => {
      state.hold.release();
      return value;
    },
    (e: unknown) => {
      state.hold.release();
      throw failure(state, e);
    },
  );
}

/** What a read of the body fails with: the call's cause if its context has ended, else `error`. */
function failure(state: LeaseState, error: unknown): unknown {
  const { ctx } = state.lease.owner;
  return ctx.err() === undefined ? error : cause(ctx);
}

/** The body fetch gave `response` (a tee's branch once it has been cloned), read through its class's own getter. */
function realBody(response: Leased, state: LeaseState): ReadableStream<Uint8Array> {
  return Reflect.get(state.base, 'body', response) as ReadableStream<Uint8Array>;
}

/** The `body` getter of a leased response: a watching stream over the real body, made once. */
function leasedBodyOf(this: Leased): ReadableStream<Uint8Array> | null {
  const state = this[LEASED];
  if (state.stream !== undefined) return state.stream;
  const source = realBody(this, state);
  // Finished with already (read by a method, or used): nothing left to watch.
  if (state.hold.released || source.locked) return source;
  return (state.stream = watchingStream(this, state));
}

/** `clone()` of a leased response: the platform's clone, holding the same lease. */
function cloneLeased(this: Leased): Response {
  const state = this[LEASED];
  if (state.stream?.locked) throw new TypeError('Response.clone: the body is locked');
  const copy = state.base.clone.call(this);
  if (!state.hold.released) attach(copy, state.lease);
  return copy;
}

/**
 * A stream that reads the response's real body on demand (no read-ahead) and
 * gives the hold back when that body is done, fails or is cancelled. A failure
 * caused by the call's context ending is reported as that context's cause.
 */
function watchingStream(response: Leased, state: LeaseState): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk;
        try {
          chunk = await (reader ??= realBody(response, state).getReader()).read();
        } catch (e) {
          const err = failure(state, e);
          state.hold.release();
          controller.error(err);
          return;
        }
        if (chunk.done) {
          state.hold.release();
          controller.close();
        } else {
          controller.enqueue(chunk.value);
        }
      },
      cancel(reason) {
        // Given back at once: cancelling a clone's branch waits for the other branch.
        state.hold.release();
        return (reader ?? realBody(response, state)).cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
