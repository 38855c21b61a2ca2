/**
 * Keeping one outgoing call's context alive for exactly as long as its
 * response body is in use.
 *
 * fetch ties the whole exchange, body included, to the signal it was given:
 * ending the call's context as soon as fetch resolves would abort a body the
 * caller is still reading. So the response's body is wrapped, and the call's
 * context is cancelled (which detaches it from the caller's context, leaving
 * nothing behind on a long-lived parent) when the first of these happens:
 *
 * - the body has been read to the end, or has failed;
 * - the caller cancels the body (`res.body.cancel()`, or a reader's cancel);
 * - the wrapped body is garbage-collected unread (a FinalizationRegistry);
 * - the call's context is done (the caller's context ended, or the per-hop
 *   timeout fired), which also aborts the body, with the context's cause.
 *
 * A wrapped response is a new Response over the wrapped body; it carries the
 * original's status, statusText, ok, url, redirected and type as own
 * properties, and its clone() does the same.
 */
import { cause, type CancelFunc, type Context } from '../index.js';

/**
 * The right to keep one call's context alive; ending it cancels the context,
 * once. The finalization registry holds it, so it must never reference the
 * wrapped body: only the cancel function.
 */
class Lease {
  /** Set to undefined by the first end(). */
  private _cancel: CancelFunc | undefined;

  constructor(cancel: CancelFunc) {
    this._cancel = cancel;
  }

  end(): void {
    const cancel = this._cancel;
    if (cancel === undefined) return;
    this._cancel = undefined;
    abandoned.unregister(this);
    cancel();
  }
}

/** Ends the lease of a wrapped body that was dropped without being read to the end. */
const abandoned = new FinalizationRegistry<Lease>((lease) => lease.end());

/** The properties a new Response cannot be given through its constructor. */
const MIRRORED = ['status', 'statusText', 'ok', 'url', 'redirected', 'type'] as const;

/**
 * leaseResponse returns `response` with its body tied to `call`: `cancel` (which ends call)
 * runs once the body is finished with, as described above. A response
 * without a body ends the call at once and is returned as it is.
 */
export function leaseResponse(response: Response, call: Context, cancel: CancelFunc): Response {
  const lease = new Lease(cancel);
  const source = response.body;
  if (source === null) {
    lease.end();
    return response;
  }
  const body = leasedBody(source, call, lease);
  abandoned.register(body, lease, lease);
  return mirror(new Response(body, { headers: response.headers }), response);
}

/**
 * A stream that reads `source` on demand (no read-ahead) and ends the lease
 * when source is done, fails or is cancelled. A failure caused by the call's
 * context ending is reported as that context's cause.
 */
function leasedBody(source: ReadableStream<Uint8Array>, call: Context, lease: Lease): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (e) {
          const err = call.err() === undefined ? e : cause(call);
          lease.end();
          controller.error(err);
          return;
        }
        if (chunk.done) {
          lease.end();
          controller.close();
        } else {
          controller.enqueue(chunk.value);
        }
      },
      async cancel(reason) {
        try {
          await reader.cancel(reason);
        } finally {
          lease.end();
        }
      },
    },
    { highWaterMark: 0 },
  );
}

/** Gives copy the original's status line and origin as own properties, and a clone() that keeps them. */
function mirror(copy: Response, original: Response): Response {
  const props: PropertyDescriptorMap = {
    clone: { value: (): Response => mirror(Response.prototype.clone.call(copy), original), configurable: true },
  };
  for (const name of MIRRORED) props[name] = { value: original[name], enumerable: true, configurable: true };
  return Object.defineProperties(copy, props);
}
